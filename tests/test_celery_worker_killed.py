"""A worker killed in the middle of a card refund, then recovered as production would (the sweep and a new
worker): Stripe records exactly one refund for the allocation, and it is never also paid by check.

The worker is a real `celery worker` subprocess on the test database and the test's Redis DB, so SIGKILL
hits it exactly where a crash would: after Stripe did the refund, before the worker stored Stripe's answer.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from fakestripe.pytest_plugin import WEBHOOK_SECRET
from refunds import cards
from refunds.issuing import enqueue_card_refunds
from refunds.models import Check, Refund
from refunds.tests.helpers import make_card_refund, make_deletion, one_refund_per_allocation

WAIT = 30  # seconds: the bound on every wait for a worker, never a sleep
POLL = 0.1


def _database_url():
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
        "DATABASE_URL": _database_url(),
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

    def start(name):
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed at teardown
        cmd = [sys.executable, "-m", "celery", "-A", "securus", "worker", "--pool=solo", "--without-gossip"]
        cmd += [
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            "celery",
            "-l",
            "warning",
            "-n",
            f"{name}@%h",
        ]
        proc = subprocess.Popen(
            cmd, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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


def _row(refund):
    refund.refresh_from_db()
    return refund


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_while_stripe_answers_refunds_once_after_the_sweep(fake_stripe, workers):
    charge = fake_stripe.add_charge(amount=2500)
    refund = make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2380)
    connection.close()  # nothing held open while the workers share the database

    # Stripe does the refund but answers only after the worker is dead.
    fake_stripe.timeout_next(seconds=WAIT)
    first = workers("kill-first")
    enqueue_card_refunds([refund.pk])
    wait_for("refund at Stripe", lambda: fake_stripe.refunds_for(charge["id"]), first)
    kill_group(first)

    # The crash window: claimed, refunded at Stripe, and we never learned Stripe's refund id.
    refund = _row(refund)
    assert (refund.status, refund.stripe_refund_id) == ("submitted", "")
    # A fresh claim may still be a live worker talking to Stripe: the sweep leaves it alone for now.
    assert cards.sweep_pending() == []

    second = workers("kill-second")
    later = timezone.now() + cards.SWEEP_AFTER + timedelta(minutes=1)
    assert cards.sweep_pending(now=later) == [refund.pk]
    wait_for("Stripe refund id stored", lambda: _row(refund).stripe_refund_id, second)
    stop_gracefully(second)  # whatever the task still had to do is done

    stripe_refunds = fake_stripe.refunds_for(charge["id"])
    assert len(stripe_refunds) == 1
    assert refund.stripe_refund_id == stripe_refunds[0]["id"]
    assert stripe_refunds[0]["amount"] == 2380 and stripe_refunds[0]["metadata"]["refund_id"] == str(
        refund.pk
    )
    # The first send carried the refund's own key; the second asked Stripe for the charge's refunds
    # first and adopted the one carrying our id, without sending again.
    refund_calls = [(m, k) for m, path, k in fake_stripe.requests if path == "/v1/refunds"]
    assert refund_calls == [("POST", refund.idempotency_key), ("GET", None)]

    refund = _row(refund)
    assert refund.status == "submitted" and refund.replaced_by_id is None and refund.failure_reason == ""
    assert not Refund.objects.filter(deletion=refund.deletion).exclude(pk=refund.pk).exists()
    assert not Check.objects.filter(refund__deletion=refund.deletion).exists()
    assert [e.status for e in refund.events.order_by("at", "pk")] == ["pending", "submitted"]
    one_refund_per_allocation(fake_stripe, [refund])
