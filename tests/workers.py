"""Real Celery worker subprocesses on the test database and the test's Redis DB, for tests that kill them
(SIGKILL hits exactly where a crash would) or run them beside the test."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
import redis
from django.conf import settings

from fakestripe.pytest_plugin import WEBHOOK_SECRET

WAIT = 30  # seconds: the bound on every wait for a worker, never a sleep
POLL = 0.1


def database_url():
    db = settings.DATABASES["default"]  # while the test runs, NAME is the test database
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _purge(url):
    redis.Redis.from_url(url, socket_timeout=5).flushdb()


@pytest.fixture
def broker():
    """The test's own Redis DB, empty before and after: the killed worker's unacked message goes too."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        pytest.fail("this test needs REDIS_URL (a Redis DB of its own)")
    _purge(url)
    yield url
    _purge(url)


@pytest.fixture
def workers(broker, fake_stripe, tmp_path):
    """Starts real worker subprocesses, each in its own process group; every one is killed at teardown."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "STRIPE_API_BASE": fake_stripe.base_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "STRIPE_TIMEOUT_SECONDS": "20",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "memorymail://",
        "LOG_FORMAT": "text",
        "CONN_MAX_AGE": "0",
    }
    started = []

    def start(name, *, queues="celery", extra_env=None):
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed at teardown
        cmd = [sys.executable, "-m", "celery", "-A", "securus", "worker", "--pool=solo", "--without-gossip"]
        cmd += [
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queues,
            "-l",
            "warning",
            "-n",
            f"{name}@%h",
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=settings.BASE_DIR,
            env={**env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path, proc.log_file = tmp_path / f"{name}.log", log
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT)
        proc.log_file.close()


def kill_group(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=WAIT) == -signal.SIGKILL


def stop_gracefully(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


def wait_for(what, predicate, proc):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, f"worker exited ({proc.returncode}) before {what}:\n{_tail(proc)}"
        time.sleep(POLL)  # polling another process, bounded by WAIT
    pytest.fail(f"no {what} within {WAIT} s:\n{_tail(proc)}")


def _tail(proc):
    proc.log_file.flush()
    return proc.log_path.read_text(errors="replace")[-3000:]
