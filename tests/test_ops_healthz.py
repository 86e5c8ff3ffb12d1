"""/healthz answers JSON: 200 when the database and the broker answer, 503 when either does not."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthy_with_database_and_redis(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")  # the test run's real Redis
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]
    assert "no-cache" in response["Cache-Control"]


def test_unavailable_when_the_broker_is_down(client, monkeypatch):
    from securus.celery import app

    real = app.connection_for_write
    # Nothing listens on port 1: a real connection attempt that fails.
    monkeypatch.setattr(app, "connection_for_write", lambda: real(url="redis://127.0.0.1:1/0"))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"]["ok"] and not body["broker"]["ok"]


def test_unavailable_when_the_database_is_down(client, monkeypatch):
    from securus import health

    class Broken:
        def __enter__(self):
            raise OSError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: Broken())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OSError"}
