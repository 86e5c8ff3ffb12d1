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
