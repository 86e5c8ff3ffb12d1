# One image for web (gunicorn + whitenoise), worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them: the locked versions, each checked
# against its hash (requirements.lock, written by `make lock`).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# Static files are collected into the image and served by whitenoise (hashed names, compressed).
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 securus \
    && mkdir -p /app/var && chown -R securus /app/var

USER securus
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["gunicorn", "securus.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*", "--timeout", "30"]
