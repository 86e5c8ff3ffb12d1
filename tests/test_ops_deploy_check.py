"""`manage.py check --deploy` passes with production environment values and the one settings module."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check(**env_values):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    # (DJANGO_ALLOW_ASYNC_UNSAFE is set by conftest.py for the browser tests, never in production.)
    env.update(env_values)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings_with_production_values():
    result = _check(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="securus.example.com",
        DJANGO_SETTINGS_MODULE="securus.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_a_weak_key_and_debug():
    """The check is real: the same run with development values fails."""
    result = _check(DEBUG="true", SECRET_KEY="short", ALLOWED_HOSTS="localhost")
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on
    assert "security.W009" in result.stderr + result.stdout  # weak SECRET_KEY
