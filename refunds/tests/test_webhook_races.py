"""Stripe's webhook and our worker's record of Stripe's answer race: whichever comes first, at whatever
moment, the refund is recorded once and settled; Stripe is never asked while a transaction is open."""

import threading
import time

import pytest
from django.db import connection

from refunds import cards, gateway
from refunds.models import Refund

from .helpers import make_card_refund, make_deletion, one_refund_per_allocation

URL = "/refunds/stripe/webhook/"


def deliver(client, fake, event):
    body, header = fake.sign(event)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def made_at_stripe(fake_stripe, stripe_sdk):
    """A card refund whose create reached Stripe, with the answer our worker got back (not yet stored)."""
    charge = fake_stripe.add_charge(amount=2500)
    refund = make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2000)
    created = stripe_sdk.v1.refunds.create(
        {"charge": charge["id"], "amount": 2000, "metadata": {"refund_id": str(refund.pk)}},
        {"idempotency_key": refund.idempotency_key},
    )
    Refund.objects.filter(pk=refund.pk).update(status="submitted")  # claimed by the worker
    return refund, gateway.retrieve_refund(refund_id=created.id)


def worker_records(refund, answer):
    cards.record_submission(refund_id=refund.pk, result=answer)


@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["before", "while_stripe_is_asked", "after_the_lookup", "never"])
def test_the_worker_recording_at_any_moment_of_the_webhook_settles_once(
    client, fake_stripe, made_at_stripe, monkeypatch, moment
):
    refund, answer = made_at_stripe
    if moment == "before":
        worker_records(refund, answer)
    elif moment == "while_stripe_is_asked":
        real_retrieve = gateway.retrieve_refund

        def retrieve(**kwargs):
            found = real_retrieve(**kwargs)
            worker_records(refund, answer)
            return found

        monkeypatch.setattr(gateway, "retrieve_refund", retrieve)
    elif moment == "after_the_lookup":  # the webhook looked, found nothing stored, then the worker stores
        real_confirm = cards.confirm_refund_event

        def confirm(event):
            real_confirm(event)
            worker_records(refund, answer)

        monkeypatch.setattr(cards, "confirm_refund_event", confirm)
    assert deliver(client, fake_stripe, fake_stripe.settle_refund(answer.id)).status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == ("succeeded", answer.id)
    assert [e.status for e in refund.events.all()] == ["pending", "submitted", "succeeded"]
    one_refund_per_allocation(fake_stripe, [refund])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stripe_is_asked_before_the_webhook_transaction(client, fake_stripe, made_at_stripe, monkeypatch):
    refund, answer = made_at_stripe
    in_transaction = []
    real_retrieve = gateway.retrieve_refund

    def retrieve(**kwargs):
        in_transaction.append(connection.in_atomic_block)
        return real_retrieve(**kwargs)

    monkeypatch.setattr(gateway, "retrieve_refund", retrieve)
    assert deliver(client, fake_stripe, fake_stripe.settle_refund(answer.id)).status_code == 200
    assert in_transaction == [False]
    refund.refresh_from_db()
    assert refund.status == "succeeded"


@pytest.mark.django_db
def test_stripe_unreachable_during_the_lookup_leaves_the_event_for_redelivery(
    client, fake_stripe, made_at_stripe
):
    refund, answer = made_at_stripe
    event = fake_stripe.settle_refund(answer.id)
    fake_stripe.fail_next(1, status=503)
    client.raise_request_exception = False
    assert deliver(client, fake_stripe, event).status_code == 500  # Stripe sends it again
    refund.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == ("submitted", "")
    assert deliver(client, fake_stripe, event).status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == ("succeeded", answer.id)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_settled_by_webhooks_as_fast_as_stripe_sends_them(fake_stripe, live_server):
    """Stripe settles each refund the moment it is made and posts its webhook to the running site while
    the workers are still storing Stripe's answers: every refund ends succeeded, none is dropped."""
    refunds = []
    for _ in range(24):
        charge = fake_stripe.add_charge(amount=2500)
        refunds.append(make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2000))
    fake_stripe.webhook_url = f"{live_server.url}{URL}"
    fake_stripe.auto_settle = 0.0
    errors = []

    def worker(mine):
        try:
            for refund in mine:
                cards.submit_card_refund(refund.pk)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(refunds[i::3],)) for i in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        deadline = time.monotonic() + 30
        while Refund.objects.filter(pk__in=[r.pk for r in refunds]).exclude(status="succeeded").exists():
            assert time.monotonic() < deadline, "webhooks left refunds unsettled"
            time.sleep(0.05)  # polling the site's writes, bounded by the deadline
    finally:
        fake_stripe.auto_settle = None
        fake_stripe.webhook_url = None
    assert not errors, errors
    assert len(fake_stripe.refunds) == 24
    assert all(status == 200 for _, status in fake_stripe.deliveries)
    one_refund_per_allocation(fake_stripe, refunds)
