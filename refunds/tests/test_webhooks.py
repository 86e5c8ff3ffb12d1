"""The Stripe webhook endpoint: signature verified, repeated events ignored, refunds settled."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from refunds import cards, webhooks
from refunds.models import Refund, StripeEvent

from .helpers import make_card_refund, make_deletion, one_refund_per_allocation

pytestmark = pytest.mark.django_db
URL = "/refunds/stripe/webhook/"


@pytest.fixture
def submitted(fake_stripe):
    charge = fake_stripe.add_charge(amount=2500)
    refund = make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2000)
    cards.submit_card_refund(refund.pk)
    refund.refresh_from_db()
    return refund


def post(client, body, header):
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def test_url_name():
    assert reverse("refunds:stripe_webhook") == URL


def test_refund_updated_succeeded(client, fake_stripe, submitted):
    event = fake_stripe.settle_refund(submitted.stripe_refund_id, status="succeeded")
    body, header = fake_stripe.sign(event)
    response = post(client, body, header)
    assert response.status_code == 200 and response.content == b"handled"
    submitted.refresh_from_db()
    assert submitted.status == "succeeded"
    # A card refund can still fail after it succeeded: the address snapshot stays for 120 days.
    deletion = submitted.deletion.__class__.objects.get(pk=submitted.deletion_id)
    assert deletion.mailing_address["city"] == "Dallas"
    assert cards.erase_settled_snapshots(now=timezone.now() + timedelta(days=119)) == 0
    assert cards.erase_settled_snapshots(now=timezone.now() + timedelta(days=121)) == 1
    deletion.refresh_from_db()
    assert deletion.mailing_address == {}


def test_duplicated_event_is_ignored(client, fake_stripe, submitted):
    event = fake_stripe.settle_refund(
        submitted.stripe_refund_id, status="failed", failure_reason="expired_or_canceled_card"
    )
    body, header = fake_stripe.sign(event)
    assert post(client, body, header).content == b"handled"
    assert post(client, body, header).content == b"duplicate"
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    submitted.refresh_from_db()
    assert submitted.status == "replaced"
    assert "expired" in submitted.failure_reason
    assert Refund.objects.filter(method="check").count() == 1
    one_refund_per_allocation(fake_stripe, [submitted])


def test_bad_signature_changes_nothing(client, fake_stripe, submitted):
    event = fake_stripe.settle_refund(submitted.stripe_refund_id, status="succeeded")
    body, _ = fake_stripe.sign(event)
    _, forged = fake_stripe.sign(event, secret="whsec_attacker")
    assert post(client, body, forged).status_code == 400
    assert post(client, body, "").status_code == 400
    assert post(client, body + b" ", fake_stripe.sign(event)[1]).status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and StripeEvent.objects.count() == 0


def test_event_before_our_worker_recorded_stripe_answer(client, fake_stripe, submitted):
    stripe_id = submitted.stripe_refund_id
    Refund.objects.filter(pk=submitted.pk).update(stripe_refund_id="")
    event = fake_stripe.settle_refund(stripe_id, status="succeeded")
    assert post(client, *fake_stripe.sign(event)).status_code == 200
    submitted.refresh_from_db()
    assert submitted.stripe_refund_id == stripe_id and submitted.status == "succeeded"


def test_unknown_types_are_recorded_and_ignored(client, fake_stripe):
    _, body, header = fake_stripe.build_event("charge.captured", {"id": "ch_1", "object": "charge"})
    assert post(client, body, header).content == b"ignored"


def test_handlers_are_dotted_paths():
    from django.utils.module_loading import import_string

    for path in [*webhooks.HANDLERS.values(), *webhooks.BEFORE.values()]:
        assert callable(import_string(path))
    assert set(webhooks.BEFORE) <= set(webhooks.HANDLERS)  # a lookup serves a handler
