"""Stripe webhooks for VideoConnect Unlimited, signed by the fake Stripe server, through the real endpoint."""

import datetime

import pytest
from django.urls import reverse

from refunds.models import StripeEvent

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def post(client, fake, event, *, secret=None):
    body, header = fake.sign(event, secret=secret)
    return client.post(
        reverse("refunds:stripe_webhook"), body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def test_renewal_extends_the_period(client, fake_stripe, subscribed):
    before = snapshot(subscribed)
    event = fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True)
    response = post(client, fake_stripe, event)
    assert response.status_code == 200 and response.content == b"handled"
    after = snapshot(subscribed)
    assert after["current_period_end"] - before["current_period_end"] == datetime.timedelta(days=30)
    assert after["status"] == "active"


def test_failed_payment_marks_past_due_and_the_account_card_says_so(member, fake_stripe, subscribed):
    event = fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=False)
    assert post(member, fake_stripe, event).status_code == 200
    assert snapshot(subscribed)["status"] == "past_due"
    page = member.get(reverse("deletion:home")).content.decode()
    assert "Past due" in page
    # The retried charge succeeds: active again, period moved on.
    post(member, fake_stripe, fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True))
    assert snapshot(subscribed)["status"] == "active"


def test_bad_signature_is_refused_and_changes_nothing(client, fake_stripe, subscribed):
    before = snapshot(subscribed)
    event = fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True)
    response = post(client, fake_stripe, event, secret="whsec_not_ours")
    assert response.status_code == 400
    assert snapshot(subscribed) == before
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_duplicate_delivery_is_ignored(client, fake_stripe, subscribed):
    event = fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True)
    assert post(client, fake_stripe, event).content == b"handled"
    once = snapshot(subscribed)
    # Stripe renews again, then redelivers the first event: the redelivery must not move anything.
    fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True)
    assert post(client, fake_stripe, event).content == b"duplicate"
    assert snapshot(subscribed) == once


def test_subscription_deleted_ends_it(member, fake_stripe, subscribed):
    remote = fake_stripe.get("subscriptions", subscribed.stripe_subscription_id)
    event, _, _ = fake_stripe.build_event(
        "customer.subscription.deleted", {**remote, "status": "canceled", "ended_at": remote["created"] + 5}
    )
    assert post(member, fake_stripe, event).status_code == 200
    after = snapshot(subscribed)
    subscribed.refresh_from_db()
    assert after["status"] == "ended"
    assert subscribed.ended_at == datetime.datetime.fromtimestamp(remote["created"] + 5, tz=datetime.UTC)
    assert subscribed.facility.name not in member.get(reverse("deletion:home")).content.decode()


def test_events_for_unknown_subscriptions_are_recorded_and_ignored(client, fake_stripe, subscribed):
    event, _, _ = fake_stripe.build_event(
        "invoice.paid",
        {
            "id": "in_x",
            "object": "invoice",
            "parent": {"subscription_details": {"subscription": "sub_someone_else"}},
        },
    )
    before = snapshot(subscribed)
    assert post(client, fake_stripe, event).status_code == 200
    assert snapshot(subscribed) == before


def test_a_change_made_at_stripe_shows_at_once(member, fake_stripe, subscribed, stripe_sdk):
    # Support schedules the cancellation in Stripe's dashboard.
    stripe_sdk.v1.subscriptions.update(subscribed.stripe_subscription_id, {"cancel_at_period_end": True})
    updated = fake_stripe.events[-1]
    assert updated["type"] == "customer.subscription.updated"
    assert post(member, fake_stripe, updated).status_code == 200
    after = snapshot(subscribed)
    assert after["cancel_at_period_end"] is True and after["canceled_at"] is not None
    # ...and withdraws it again.
    stripe_sdk.v1.subscriptions.update(subscribed.stripe_subscription_id, {"cancel_at_period_end": False})
    assert post(member, fake_stripe, fake_stripe.events[-1]).status_code == 200
    assert snapshot(subscribed)["cancel_at_period_end"] is False


def test_a_failed_renewal_at_stripe_marks_past_due_through_its_events(client, fake_stripe, subscribed):
    fake_stripe.fail_next_renewal(subscribed.stripe_subscription_id)
    events = fake_stripe.advance(days=31)
    assert [e["type"] for e in events] == ["customer.subscription.updated", "invoice.payment_failed"]
    assert post(client, fake_stripe, events[0]).status_code == 200
    assert snapshot(subscribed)["status"] == "past_due"
    assert post(client, fake_stripe, events[1]).status_code == 200
    assert snapshot(subscribed)["status"] == "past_due"


def test_cancel_at_period_end_ends_by_stripes_deleted_event(client, fake_stripe, subscribed, reasons):
    from video import subscriptions as service

    service.complete_cancellation(
        answer=service.answer_reason(subscription=subscribed, reason=reasons["quality"])
    )
    events = fake_stripe.advance(days=31)
    assert [e["type"] for e in events] == ["customer.subscription.deleted"]
    assert post(client, fake_stripe, events[0]).status_code == 200
    assert snapshot(subscribed)["status"] == "ended"


def test_a_signed_subscription_event_without_an_id_is_400(client, fake_stripe, subscribed):
    before = snapshot(subscribed)
    event, _, _ = fake_stripe.build_event("customer.subscription.updated", {"object": "subscription"})
    assert post(client, fake_stripe, event).status_code == 400
    assert snapshot(subscribed) == before
