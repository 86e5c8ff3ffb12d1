"""A worker killed in the middle of a card refund, then recovered as production would (the sweep and a new
worker): Stripe records exactly one refund for the allocation, and it is never also paid by check.

The worker is a real `celery worker` subprocess on the test database and the test's Redis DB, so SIGKILL
hits it exactly where a crash would: after Stripe did the refund, before the worker stored Stripe's answer.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from refunds import cards
from refunds.issuing import enqueue_card_refunds
from refunds.models import Check, Refund
from refunds.tests.helpers import make_card_refund, make_deletion, one_refund_per_allocation
from tests.workers import WAIT, kill_group, stop_gracefully, wait_for


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
