"""Settings refuse a malformed environment at start-up instead of silently defaulting."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

GOOD = {
    "SECRET_KEY": "x",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/securus_found",
    "DEBUG": "false",
    "RETIRED_EMAIL_KEY": "a-retired-email-key",
    "EMAIL_URL": "smtp://127.0.0.1:25",
}


def _setup(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update({**GOOD, **overrides, "DJANGO_SETTINGS_MODULE": "securus.settings"})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_good_environment_starts():
    result = _setup()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["not-a-url", "mysqlx://u@h/db", "postgres://postgres@127.0.0.1:port/securus"]
)
def test_malformed_database_url_is_refused(url):
    result = _setup(DATABASE_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL" in result.stderr, result.stderr


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_malformed_debug_is_refused(value):
    result = _setup(DEBUG=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be true or false" in result.stderr, result.stderr


def _run(code, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "SECRET_KEY"}
    env.update({**GOOD, **overrides, "DJANGO_SETTINGS_MODULE": "securus.settings"})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_management_commands_run_without_a_secret_key():
    result = _run("import django; django.setup()", SECRET_KEY=None)
    assert result.returncode == 0, result.stderr


def test_the_site_refuses_to_serve_with_the_placeholder_key():
    refused = _run("import securus.wsgi", SECRET_KEY=None)
    assert refused.returncode != 0
    assert "Set the SECRET_KEY environment variable" in refused.stderr
    assert _run("import securus.wsgi", SECRET_KEY=None, DEBUG="true").returncode == 0
    assert _run("import securus.wsgi", SECRET_KEY="a-real-key-" + "x" * 40).returncode == 0


def test_the_worker_refuses_to_start_with_the_placeholder_key():
    code = "from celery.signals import worker_init; from securus.celery import app; worker_init.send(sender=None)"
    refused = _run("import django; django.setup(); " + code, SECRET_KEY=None)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def test_the_site_refuses_to_serve_without_its_own_retired_email_key():
    refused = _run("import securus.wsgi", RETIRED_EMAIL_KEY=None)
    assert refused.returncode != 0
    assert "Set the RETIRED_EMAIL_KEY environment variable" in refused.stderr
    assert _run("import securus.wsgi", RETIRED_EMAIL_KEY=None, DEBUG="true").returncode == 0


def test_the_site_refuses_the_console_email_backend_outside_debug():
    refused = _run("import securus.wsgi", EMAIL_URL="consolemail://")
    assert refused.returncode != 0
    assert "EMAIL_URL is the console backend" in refused.stderr
    assert _run("import securus.wsgi", EMAIL_URL="consolemail://", DEBUG="true").returncode == 0


def test_the_worker_refuses_the_console_email_backend_outside_debug():
    code = "from celery.signals import worker_init; from securus.celery import app; worker_init.send(sender=None)"
    refused = _run("import django; django.setup(); " + code, EMAIL_URL="consolemail://")
    assert refused.returncode != 0 and "EMAIL_URL" in refused.stderr


def test_old_retired_email_keys_must_be_numbered():
    result = _run("import django; django.setup()", RETIRED_EMAIL_OLD_KEYS="old=abc")
    assert result.returncode != 0 and "RETIRED_EMAIL_OLD_KEYS must be VERSION=KEY" in result.stderr
