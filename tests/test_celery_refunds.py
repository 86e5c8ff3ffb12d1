"""Card refunds and check runs through a real Celery worker on Redis, with the real Stripe SDK talking to
the fake Stripe server: exactly one Stripe refund per allocation, never both refunded and checked."""

import csv
import time
from datetime import date

import pytest

from refunds import tasks
from refunds.models import Check, Refund
from refunds.tests.helpers import (
    make_card_refund,
    make_check_refund,
    make_deletion,
    one_refund_per_allocation,
)
from securus.celery import app
from tests.workers import worker_thread

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 30  # seconds: a bound on waiting for the worker, never a sleep


@pytest.fixture
def worker(settings, tmp_path):
    settings.CHECK_RUN_DIR = tmp_path
    app.loader.import_default_modules()
    app.control.purge()
    with worker_thread(app) as w:
        yield w


def settled(refund, predicate=lambda r: r.status != "pending" and (r.stripe_refund_id or r.replaced_by_id)):
    """Wait for the worker to finish with a refund (the refund task stores no result to wait on)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        refund.refresh_from_db()
        if predicate(refund):
            return refund
        time.sleep(0.05)  # polling the worker thread's writes, bounded by WAIT
    pytest.fail(f"refund {refund.pk} still {refund.status} after {WAIT} s")


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setattr(tasks, "RETRY_BASE_SECONDS", 0)


def card_refund(fake, amount=2380):
    charge = fake.add_charge(amount=2500)
    return make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=amount)


def test_card_refund_submitted_by_the_worker_then_settled_by_webhook(fake_stripe, worker, client):
    refund = card_refund(fake_stripe)
    tasks.submit_card_refund.delay(refund.pk)
    settled(refund)
    refund.refresh_from_db()
    assert refund.status == "submitted" and refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    event = fake_stripe.settle_refund(refund.stripe_refund_id)
    body, header = fake_stripe.sign(event)
    client.post(
        "/refunds/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    client.post(
        "/refunds/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert [e.status for e in refund.events.all()] == ["pending", "submitted", "succeeded"]
    one_refund_per_allocation(fake_stripe, [refund])


def test_500_then_success_is_retried_by_the_worker(fake_stripe, worker, no_backoff):
    refund = card_refund(fake_stripe)
    fake_stripe.fail_next(2, status=500)
    tasks.submit_card_refund.delay(refund.pk)
    settled(refund)
    refund.refresh_from_db()
    assert refund.status == "submitted"
    assert len(fake_stripe.refunds) == 1
    # Every send carries the refund's key; each re-send first asks Stripe what the last one did.
    posts = [r for r in fake_stripe.requests if r[0] == "POST"]
    assert [r[2] for r in posts] == [refund.idempotency_key] * 2
    assert [r[0] for r in fake_stripe.requests] == ["POST", "GET", "GET", "POST"]


def test_timeout_is_retried_with_the_same_key(fake_stripe, worker, no_backoff, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    refund = card_refund(fake_stripe)
    fake_stripe.timeout_next(seconds=2)
    tasks.submit_card_refund.delay(refund.pk)
    settled(refund)
    refund.refresh_from_db()
    assert refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    assert len(fake_stripe.refunds) == 1
    one_refund_per_allocation(fake_stripe, [refund])


def test_task_sent_twice_refunds_once(fake_stripe, worker):
    refund = card_refund(fake_stripe)
    for _ in range(3):
        tasks.submit_card_refund.delay(refund.pk)
    settled(refund)
    tasks.sweep_pending_card_refunds.delay().get(timeout=WAIT)  # queued behind the three (solo pool)
    assert len(fake_stripe.refunds) == 1
    one_refund_per_allocation(fake_stripe, [refund])


def test_expired_card_becomes_a_check_in_the_next_check_run(fake_stripe, worker, settings):
    settings.POSITIVE_PAY_ACCOUNT_NUMBER = "555000111"
    refund = card_refund(fake_stripe, amount=1999)
    other = make_check_refund(deletion=refund.deletion, amount_cents=500)
    fake_stripe.fail_next_refund("expired_card")
    tasks.submit_card_refund.delay(refund.pk)
    settled(refund)
    refund.refresh_from_db()
    assert refund.status == "replaced" and fake_stripe.refunds == []
    run_id = tasks.run_checks.delay(today="2026-12-01").get(timeout=WAIT)
    with open(Check.objects.get(refund=refund.replaced_by).check_run.positive_pay_file) as fh:
        rows = list(csv.reader(fh))
    assert sorted(r[2] for r in rows[1:]) == ["19.99", "5.00"]  # both checks, in either order
    assert all(r[0] == "555000111" and r[3] == "2026-12-01" and r[5] == "I" for r in rows[1:])
    assert run_id is not None
    assert set(Refund.objects.filter(method="check").values_list("status", flat=True)) == {"check_mailed"}
    other.refresh_from_db()
    assert other.check_payment.issue_date == date(2026, 12, 1)
    one_refund_per_allocation(fake_stripe, [refund])
