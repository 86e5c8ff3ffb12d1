"""Signed webhook events that are malformed (no object id, a refund_id that is no number, no data) are
answered 400 and leave nothing recorded, so they are neither handled half-way nor marked as handled."""

import pytest

from refunds.models import StripeEvent

pytestmark = pytest.mark.django_db
URL = "/refunds/stripe/webhook/"


def _event(type_, obj, **extra):
    return {"id": "evt_bad_1", "object": "event", "type": type_, "data": {"object": obj}, **extra}


@pytest.mark.parametrize(
    "event",
    [
        _event("refund.updated", {"object": "refund", "status": "succeeded", "amount": 100}),
        _event(
            "refund.updated",
            {"id": "re_unknown", "object": "refund", "status": "succeeded", "amount": 100,
             "metadata": {"refund_id": "12abc"}},
        ),
        _event(
            "refund.failed",
            {"id": "re_unknown", "object": "refund", "amount": 100, "metadata": {"refund_id": "9" * 40}},
        ),
        _event("customer.subscription.deleted", {"object": "subscription"}),
        {"id": "evt_bad_1", "object": "event", "type": "refund.updated"},
        {"id": "evt_bad_1", "object": "event", "type": "refund.updated", "data": "not an object"},
        {"object": "event", "type": "refund.updated", "data": {"object": {"id": "re_1"}}},
    ],
    ids=["no-object-id", "refund-id-not-a-number", "refund-id-overflows", "subscription-no-id", "no-data",
         "data-not-an-object", "no-event-id"],
)  # fmt: skip
def test_malformed_signed_events_are_refused(client, fake_stripe, event):
    body, header = fake_stripe.sign(event)
    response = client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
