"""The fake Stripe server speaks enough Stripe for the real SDK: objects, idempotency, errors, signatures."""

import json
import time

import pytest
import requests
import stripe


@pytest.fixture
def client(stripe_sdk):
    return stripe_sdk


def test_refund_idempotency_key_replays_the_same_refund(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    first = client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k-1"})
    again = client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k-1"})
    assert first.id == again.id
    assert len(fake_stripe.refunds) == 1
    assert client.v1.refunds.retrieve(first.id).amount == 1000
    assert client.v1.charges.retrieve(charge["id"]).amount_refunded == 1000


def test_refund_above_the_remaining_amount_is_refused(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    client.v1.refunds.create({"charge": charge["id"], "amount": 2000})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "amount": 501})
    assert exc.value.code == "amount_too_large"
    client.v1.refunds.create({"charge": charge["id"], "amount": 500})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "amount": 1})
    assert exc.value.code == "charge_already_refunded"


def test_payment_intent_charge_and_refund(fake_stripe, client):
    pm = client.v1.payment_methods.create({"type": "card", "card": {"number": "5555555555554444"}})
    intent = client.v1.payment_intents.create(
        {"amount": 1500, "currency": "usd", "payment_method": pm.id, "confirm": True}
    )
    assert intent.status == "succeeded"
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.payment_method_details.card.brand == "mastercard"
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    assert refund.amount == 1500


@pytest.mark.parametrize(
    ("code", "stripe_code", "decline"),
    [
        ("expired_card", "expired_card", None),
        ("lost_card", "card_declined", "lost_card"),
        ("stolen_card", "card_declined", "stolen_card"),
        ("declined", "card_declined", "generic_decline"),
    ],
)
def test_card_errors_for_the_next_refund(fake_stripe, client, code, stripe_code, decline):
    charge = fake_stripe.add_charge(amount=2500)
    fake_stripe.fail_next_refund(code)
    with pytest.raises(stripe.CardError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "amount": 100})
    assert exc.value.code == stripe_code
    assert exc.value.error.decline_code == decline
    assert fake_stripe.refunds == []
    assert client.v1.refunds.create({"charge": charge["id"], "amount": 100}).status == "pending"


def test_500_for_the_next_calls_then_success(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    fake_stripe.fail_next(2, status=500)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.refunds.create({"charge": charge["id"], "amount": 100}, {"idempotency_key": "k"})
    assert fake_stripe.refunds == []
    client.v1.refunds.create({"charge": charge["id"], "amount": 100}, {"idempotency_key": "k"})
    assert len(fake_stripe.refunds) == 1


def test_timeout_is_processed_and_a_retry_with_the_key_gets_the_same_refund(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    fake_stripe.timeout_next(seconds=3)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.refunds.create({"charge": charge["id"], "amount": 100}, {"idempotency_key": "k"})
    refund = client.v1.refunds.create({"charge": charge["id"], "amount": 100}, {"idempotency_key": "k"})
    assert [r["id"] for r in fake_stripe.refunds] == [refund.id]


def test_slow_answers_within_the_timeout(fake_stripe, client):
    fake_stripe.slow_next(seconds=0.3)
    started = time.monotonic()
    customer = client.v1.customers.create({"email": "a@example.com"})
    assert time.monotonic() - started >= 0.3
    assert client.v1.customers.retrieve(customer.id).email == "a@example.com"


def test_subscription_lifecycle(fake_stripe, client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    price = client.v1.prices.create(
        {
            "unit_amount": 2999,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "product_data": {"name": "U"},
        }
    )
    sub = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "default_payment_method": pm.id,
            "metadata": {"facility": "7"},
        }
    )
    assert sub.status == "active" and sub.metadata["facility"] == "7"
    updated = client.v1.subscriptions.update(
        sub.id, {"cancel_at_period_end": True, "cancellation_details": {"comment": "too costly"}}
    )
    assert updated.cancel_at_period_end is True
    assert updated.cancellation_details.comment == "too costly"
    assert client.v1.subscriptions.cancel(sub.id).status == "canceled"
    types = [e["type"] for e in fake_stripe.events]
    assert types == [
        "customer.subscription.created",
        "invoice.paid",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]


def test_invoice_events_for_renewals(fake_stripe, client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    product = client.v1.products.create({"name": "Unlimited"})
    price = client.v1.prices.create(
        {"product": product.id, "unit_amount": 2999, "currency": "usd", "recurring": {"interval": "month"}}
    )
    sub = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": price.id}], "default_payment_method": pm.id}
    )
    failed = fake_stripe.pay_invoice(sub.id, paid=False)
    assert failed["type"] == "invoice.payment_failed"
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    assert fake_stripe.pay_invoice(sub.id)["type"] == "invoice.paid"


def test_built_events_carry_a_signature_stripe_accepts(fake_stripe):
    event, body, header = fake_stripe.build_event("refund.updated", {"id": "re_1", "object": "refund"})
    parsed = stripe.Webhook.construct_event(body, header, fake_stripe.webhook_secret)
    assert parsed.id == event["id"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_other")


def test_control_endpoint_from_another_process(fake_stripe, client):
    charge = requests.post(f"{fake_stripe.base_url}/_fake/charges", json={"amount": 900}, timeout=5).json()
    requests.post(f"{fake_stripe.base_url}/_fake/fail_next_refund", json={"code": "expired_card"}, timeout=5)
    with pytest.raises(stripe.CardError):
        client.v1.refunds.create({"charge": charge["id"], "amount": 100})
    client.v1.refunds.create({"charge": charge["id"], "amount": 100})
    listed = requests.get(f"{fake_stripe.base_url}/_fake/refunds", timeout=5).json()["refunds"]
    assert [r["amount"] for r in listed] == [100]
    assert json.loads(json.dumps(listed))[0]["charge"] == charge["id"]
