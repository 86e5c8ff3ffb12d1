"""Settings, read from the environment (see .env.example). A malformed value stops start-up."""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# env.bool reads any unknown word as False: a typo must stop start-up instead.
_DEBUG = env.str("DEBUG", default="false").strip().lower()
if _DEBUG not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
    raise ImproperlyConfigured(f"DEBUG must be true or false, not {_DEBUG!r}")
DEBUG = _DEBUG in ("true", "1", "yes", "on")
# The placeholder lets manage.py run on a developer's machine without configuration. The site, the worker
# and beat refuse to start with it unless DEBUG is true (securus/startup.py); `check --deploy` flags it too.
INSECURE_SECRET_KEY = "django-insecure-placeholder-for-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "securus.admin_site.SecurusAdminConfig",  # django.contrib.admin with a lazily built app list
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_celery_beat",
    "accounts",
    "facilities",
    "prepaid",
    "directbill",
    "debit",
    "messaging",
    "video",
    "refunds",
    "audit",
    "deletion",  # the roof: deletion and customer care stand on every service
    "care",
    "unclaimed",  # roof: money nobody could be paid, reported to the states (reissues through care)
    "inactivity",  # roof: closes inactive AdvanceConnect balances, holds some as unclaimed property
    "axes",  # sign-in lockout; after auth so its checks see the backends
]

MIDDLEWARE = [
    "securus.logging.RequestIdMiddleware",  # first: every later log line has the request id
    "django.middleware.security.SecurityMiddleware",
    "securus.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout response
]

ROOT_URLCONF = "securus.urls"
WSGI_APPLICATION = "securus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite only for a laptop demo without PostgreSQL; tests and production use PostgreSQL.
try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except (ValueError, ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
# env.db maps an unparseable URL to the dummy backend; only PostgreSQL (with a database name) or SQLite run.
_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")
if DATABASES["default"].get("ENGINE") not in _ENGINES or not DATABASES["default"].get("NAME"):
    raise ImproperlyConfigured("DATABASE_URL must be postgres://USER@HOST:PORT/NAME or sqlite:///PATH")
# A new PostgreSQL connection per request made a one-query page six times slower.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Email uniqueness is enforced regardless of case by the user_email_upper_uniq functional index.
SILENCED_SYSTEM_CHECKS = ["auth.E003", "auth.W004"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout after repeated failed sign-ins, on the family sign-in page and the admin (same backend).
# AccountBackend is ModelBackend loading the family account with the user (sessions signed in through
# ModelBackend before it sign in again once).
AUTHENTICATION_BACKENDS = ["securus.lockout.LockoutBackend", "accounts.backends.AccountBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Per email and address together: a guesser is stopped without letting anyone lock a stranger out everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Both sign-in forms post the email as "username" (AuthenticationForm), not as the model's USERNAME_FIELD.
AXES_USERNAME_FORM_FIELD = "username"
# Counted per canonical email (one count for "Ana@", " ana@" and "ANA@") and per real client address.
AXES_USERNAME_CALLABLE = "securus.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "securus.lockout.client_ip"
# How many reverse proxies we run in front of the site, each appending to X-Forwarded-For (1 for the TLS
# proxy of docker-compose.yml). 0: the client is REMOTE_ADDR. Never more than really exist: the client
# could then choose its own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "deletion:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Securus Online <no-reply@securustech.example>")
# Absolute links in emails (tracking links sent by customer care, refund status emails).
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000").geturl()

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker that needs no server (one machine).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_DATA_DIR = Path(env.str("CELERY_DATA_DIR", default=str(BASE_DIR / "var" / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # A hostname, though the transport ignores it: without one kombu warns on every connection.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
    }
    CELERY_RESULT_BACKEND = None
    for _folder in (CELERY_DATA_DIR / "queue", CELERY_DATA_DIR / "processed"):
        _folder.mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True  # every task is idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless this is set: a
# new PostgreSQL connection (a forked backend, its caches cold) per card refund. Workers keep theirs as the
# web server does instead (securus/celery.py: CONN_MAX_AGE, health-checked, dropped when broken); the
# fixup still replaces it after this many tasks.
CELERY_DB_REUSE_MAX = 10_000

# Stripe is reached only through securus/stripe.py (refunds/gateway.py and video/gateway.py stand on it).
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="sk_test_local")
STRIPE_API_BASE = env.url("STRIPE_API_BASE", default="http://127.0.0.1:12111").geturl()
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="whsec_local")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# A Stripe call that takes longer is abandoned and retried later (the idempotency key makes that safe).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)

# Retired emails are kept as a keyed hash so a deleted email is recognised without storing it. The key is
# its own secret: rotating SECRET_KEY must not un-retire every email. To rotate it, raise
# RETIRED_EMAIL_KEY_VERSION with a new RETIRED_EMAIL_KEY and list the old one in RETIRED_EMAIL_OLD_KEYS
# ("1=old-key,2=older"): old digests are still recognised and rewritten under the new key when matched.
# The placeholder lets manage.py run; the site, worker and beat refuse it outside DEBUG (securus/startup.py).
INSECURE_RETIRED_EMAIL_KEY = "retired-email-placeholder-for-development-only"
RETIRED_EMAIL_KEY = env.str("RETIRED_EMAIL_KEY", default="") or INSECURE_RETIRED_EMAIL_KEY
RETIRED_EMAIL_KEY_VERSION = env.int("RETIRED_EMAIL_KEY_VERSION", default=1)
_OLD_RETIRED_KEYS = env.dict("RETIRED_EMAIL_OLD_KEYS", default={})
try:
    _OLD_RETIRED_KEYS = {int(version): key for version, key in _OLD_RETIRED_KEYS.items() if key}
except ValueError:
    raise ImproperlyConfigured("RETIRED_EMAIL_OLD_KEYS must be VERSION=KEY pairs, like 1=old-key") from None
if RETIRED_EMAIL_KEY_VERSION in _OLD_RETIRED_KEYS:
    raise ImproperlyConfigured("RETIRED_EMAIL_OLD_KEYS must not repeat RETIRED_EMAIL_KEY_VERSION")
# (version, key), current first: new digests are written with the first, every one is read.
RETIRED_EMAIL_KEYS = [(RETIRED_EMAIL_KEY_VERSION, RETIRED_EMAIL_KEY)] + sorted(
    _OLD_RETIRED_KEYS.items(), reverse=True
)
# A check goes to the mailing address only if it was verified this recently (or on the delete page).
ADDRESS_VERIFICATION_MAX_AGE_DAYS = env.int("ADDRESS_VERIFICATION_MAX_AGE_DAYS", default=30)
# Where check runs write positive-pay files and check registers.
CHECK_RUN_DIR = Path(env.str("CHECK_RUN_DIR", default=str(BASE_DIR / "var" / "checkruns")))
# Due-diligence letters (mail-merge CSV) and holder reports to the states.
UNCLAIMED_DIR = Path(env.str("UNCLAIMED_DIR", default=str(BASE_DIR / "var" / "unclaimed")))
# Where unclaimed property of an owner with no known address is reported: the holder's own state.
UNCLAIMED_HOLDER_STATE = env.str("UNCLAIMED_HOLDER_STATE", default="TX")
# The bank account the refund checks are drawn on, named in every positive-pay file.
POSITIVE_PAY_ACCOUNT_NUMBER = env.str("POSITIVE_PAY_ACCOUNT_NUMBER", default="000123456789")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS everywhere outside DEBUG. The test client speaks plain http, so the redirect alone is off under
# pytest; `manage.py check --deploy` (a separate process) sees the production value.
TESTING = "pytest" in sys.modules
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container and load-balancer probes speak plain http
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (docker-compose, most load balancers).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)

# One JSON object per line (request id, and deletion id during a deletion and its tasks); LOG_FORMAT=text
# for a terminal. Celery keeps this configuration instead of installing its own handlers.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "securus.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "securus.logging.JsonFormatter"},
        "text": {
            "()": "securus.logging.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
