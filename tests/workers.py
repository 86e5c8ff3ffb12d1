"""Real Celery worker subprocesses on the test database and the test's Redis DB, for tests that kill them
(SIGKILL hits exactly where a crash would) or run them beside the test; and a worker in a thread of the
test process (`worker_thread`)."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import redis
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.conf import settings
from django.db import connections

from fakestripe.pytest_plugin import WEBHOOK_SECRET

WAIT = 30  # seconds: the bound on every wait for a worker, never a sleep
POLL = 0.1


def database_url():
    db = settings.DATABASES["default"]  # while the test runs, NAME is the test database
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class _ClosingWorkController(TestWorkController):
    """Closes its thread's database connections when it stops. A worker keeps its connection between
    tasks, as in production; in a thread, the connection would otherwise linger until the garbage
    collector finds it, and the test database could not be dropped at the end of the run."""

    def start(self):
        try:
            super().start()
        finally:
            connections.close_all()


@contextmanager
def worker_thread(app, **kwargs):
    """A solo worker in a thread of this process, on the test database."""
    kwargs = {
        "pool": "solo",
        "perform_ping_check": False,
        "loglevel": "WARNING",
        "shutdown_timeout": 10,
        **kwargs,
    }
    with start_worker(app, WorkController=_ClosingWorkController, **kwargs) as worker:
        yield worker


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
