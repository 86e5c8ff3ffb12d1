"""The fake Stripe refuses what Stripe refuses, keeps idempotency keys as Stripe documents, shapes objects as
the pinned API version and runs Stripe's lifecycles (real SDK against the fake server)."""

import pytest
import requests
import stripe

from fakestripe import validation


@pytest.fixture
def client(stripe_sdk):
    return stripe_sdk


def monthly_price(client, amount=2999):
    product = client.v1.products.create({"name": "Unlimited"})
    return client.v1.prices.create(
        {"product": product.id, "unit_amount": amount, "currency": "usd", "recurring": {"interval": "month"}}
    )


def subscribed_customer(client, token="tok_visa"):
    customer = client.v1.customers.create({"email": "a@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": token}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    sub = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly_price(client).id}],
            "default_payment_method": pm.id,
        }
    )
    return customer, sub


# ---- parameters, checked against the SDK's own types ------------------------------------------------


@pytest.mark.stripe_rejects
def test_the_old_product_data_subscription_call_is_refused(fake_stripe, client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.create(
            {
                "customer": customer.id,
                "items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "product_data": {"name": "VideoConnect Unlimited"},
                            "unit_amount": 2999,
                            "recurring": {"interval": "month"},
                        }
                    }
                ],
            }
        )
    assert exc.value.http_status == 400
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "items[0][price_data][product_data]"
    assert "subscriptions" not in fake_stripe.objects
    assert fake_stripe.rejections[0][2:4] == ("parameter_unknown", "items[0][price_data][product_data]")


@pytest.mark.stripe_rejects
def test_missing_required_and_values_outside_a_literal_are_refused(fake_stripe, client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.prices.create({"unit_amount": 100, "recurring": {"interval": "month"}})
    assert (exc.value.code, exc.value.param) == ("parameter_missing", "currency")
    charge = fake_stripe.add_charge(amount=500)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "reason": "changed_mind"})
    assert exc.value.param == "reason" and "requested_by_customer" in str(exc.value.user_message)
    assert exc.value.error.type == "invalid_request_error"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.update("sub_x", {"cancel_at_period_end": "soon"})
    assert exc.value.code == "parameter_invalid_boolean"
    assert fake_stripe.refunds == []


def test_the_route_table_comes_from_the_sdk():
    route = validation.route_for("POST", "/v1/subscriptions")
    assert route.params is stripe.params.SubscriptionCreateParams
    assert validation.route_for("POST", "/v1/payment_methods/pm_1/attach").params.__name__ == (
        "PaymentMethodAttachParams"
    )
    assert (
        validation.route_for("DELETE", "/v1/subscriptions/sub_1").params.__name__
        == "SubscriptionCancelParams"
    )
    assert validation.route_for("POST", "/v1/no_such_thing") is None


@pytest.mark.stripe_rejects
def test_every_refusal_is_recorded_for_the_guard(fake_stripe, client):
    # What the fixture's teardown reads: every refusal, with the offending parameter.
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create({"emial": "a@example.com"})
    assert fake_stripe.rejections == [
        ("POST", "/v1/customers", "parameter_unknown", "emial", "Received unknown parameter: emial")
    ]


# ---- idempotency as Stripe documents it -------------------------------------------------------------


def test_same_key_with_different_parameters_is_an_idempotency_error(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "amount": 1500}, {"idempotency_key": "k"})
    assert exc.value.http_status == 400 and exc.value.error.type == "idempotency_error"
    assert [r["amount"] for r in fake_stripe.refunds] == [1000]


def test_a_key_is_global_not_per_endpoint(fake_stripe, client):
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.products.create({"name": "Unlimited"}, {"idempotency_key": "k"})
    assert "products" not in fake_stripe.objects


def test_a_replay_says_so(fake_stripe, client):
    body = {"email": "a@example.com"}
    headers = {"Authorization": "Bearer sk_test_x", "Idempotency-Key": "k"}
    first = requests.post(f"{fake_stripe.base_url}/v1/customers", data=body, headers=headers, timeout=5)
    again = requests.post(f"{fake_stripe.base_url}/v1/customers", data=body, headers=headers, timeout=5)
    assert first.json()["id"] == again.json()["id"]
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Stripe-Version"] == stripe.api_version


def test_keys_expire_after_24_hours(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    first = client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"})
    fake_stripe.advance(hours=23)
    assert (
        client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"}).id
        == first.id
    )
    fake_stripe.advance(hours=2)
    second = client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"})
    assert second.id != first.id  # a new request: Stripe no longer remembers the key
    assert len(fake_stripe.refunds) == 2


@pytest.mark.stripe_rejects
def test_a_validation_error_is_not_saved_under_the_key(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create({"charge": charge["id"], "amount": "ten"}, {"idempotency_key": "k"})
    refund = client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"})
    assert refund.amount == 1000


def test_a_500_after_the_work_began_is_saved_and_replayed(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=2500)
    fake_stripe.fail_next_after_work()
    for _ in range(2):
        with pytest.raises(stripe.APIError) as exc:
            client.v1.refunds.create({"charge": charge["id"], "amount": 1000}, {"idempotency_key": "k"})
        assert exc.value.http_status == 500
    assert len(fake_stripe.refunds) == 1  # done once, its answer replayed
    assert client.v1.charges.retrieve(charge["id"]).amount_refunded == 1000


def test_a_business_error_is_saved_and_replayed(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=500)
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.refunds.create({"charge": charge["id"], "amount": 900}, {"idempotency_key": "k"})
        assert exc.value.code == "amount_too_large"
    assert len([r for r in fake_stripe.requests if r[0] == "POST"]) == 2


# ---- objects shaped as the pinned API version ------------------------------------------------------


def test_objects_and_events_follow_the_pinned_api_version(fake_stripe, client):
    customer, sub = subscribed_customer(client)
    assert "current_period_end" not in sub and "current_period_start" not in sub
    item = sub["items"].data[0]
    assert item.subscription == sub.id and item.metadata == {} and item.created
    assert item.current_period_end > item.current_period_start
    assert sub.livemode is False and customer.livemode is False
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert "subscription" not in invoice
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.lines.data[0].period.end == item.current_period_end
    assert {e["api_version"] for e in fake_stripe.events} == {stripe.api_version}
    refund = client.v1.refunds.create({"charge": fake_stripe.add_charge(amount=100)["id"]})
    assert "failure_reason" not in refund  # absent, not null, until it fails
    assert fake_stripe.shape_errors == []


def test_a_field_the_version_lacks_or_a_null_it_forbids_is_caught(fake_stripe):
    fake_stripe.build_event("invoice.paid", {"id": "in_1", "object": "invoice", "subscription": "sub_1"})
    fake_stripe.build_event(
        "refund.updated", {"id": "re_1", "object": "refund", "amount": None, "reason": None}
    )
    assert fake_stripe.shape_errors == ["data.object.subscription", "data.object.amount=null"]
    fake_stripe.shape_errors.clear()


def test_nested_shapes_are_checked_against_their_own_types(fake_stripe):
    # An invoice's `parent` and a refund's `destination_details` are typed sub-structures with no
    # "object" name: their fields are the SDK's nested classes', metadata stays free-form.
    fake_stripe.build_event(
        "invoice.paid",
        {
            "id": "in_1",
            "object": "invoice",
            "metadata": {"anything": "goes"},
            "parent": {"type": "subscription_details", "subscription": "sub_1", "quote_details": None},
        },
    )
    fake_stripe.build_event(
        "refund.updated",
        {"id": "re_1", "object": "refund", "destination_details": {"type": "card", "card": {"bogus": 1}}},
    )
    assert fake_stripe.shape_errors == [
        "data.object.parent.subscription",
        "data.object.destination_details.card.bogus",
    ]
    fake_stripe.shape_errors.clear()


# ---- lifecycles --------------------------------------------------------------------------------------


def test_refund_lifecycles(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=3000)
    settled, failed_later, canceled = (
        client.v1.refunds.create({"charge": charge["id"], "amount": 1000}) for _ in range(3)
    )
    assert fake_stripe.settle_refund(settled.id)["type"] == "refund.updated"
    assert client.v1.refunds.retrieve(settled.id).status == "succeeded"
    fake_stripe.settle_refund(failed_later.id)
    event = fake_stripe.settle_refund(failed_later.id, "failed", "lost_or_stolen_card")
    assert event["type"] == "refund.failed"
    assert event["data"]["object"]["failure_reason"] == "lost_or_stolen_card"
    assert fake_stripe.settle_refund(canceled.id, "canceled")["data"]["object"]["status"] == "canceled"
    assert client.v1.charges.retrieve(charge["id"]).amount_refunded == 1000  # failed and canceled came back
    with pytest.raises(ValueError):
        fake_stripe.settle_refund(canceled.id, "succeeded")


def test_a_disputed_charge_cannot_be_refunded(fake_stripe, client):
    charge = fake_stripe.add_charge(amount=3000)
    fake_stripe.dispute(charge["id"])
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create({"charge": charge["id"], "amount": 100})
    assert exc.value.code == "charge_disputed"


def test_cancel_at_period_end_ends_it_at_the_period_end_without_a_renewal(fake_stripe, client):
    _, sub = subscribed_customer(client)
    client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    invoices = len(fake_stripe.objects["invoices"])
    fake_stripe.advance(days=29)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    events = fake_stripe.advance(days=2)
    assert [e["type"] for e in events] == ["customer.subscription.deleted"]
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert len(fake_stripe.objects["invoices"]) == invoices


def test_a_renewal_renews_and_a_declined_renewal_goes_past_due(fake_stripe, client):
    _, sub = subscribed_customer(client)
    events = fake_stripe.advance(days=31)
    assert [e["type"] for e in events] == ["invoice.paid"]
    fake_stripe.fail_next_renewal(sub.id)
    events = fake_stripe.advance(days=30)
    assert [e["type"] for e in events] == ["customer.subscription.updated", "invoice.payment_failed"]
    assert events[0]["data"]["object"]["status"] == "past_due"
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"


def test_a_declined_card_fails_the_subscription_and_cancelling_twice_is_an_error(fake_stripe, client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_chargeDeclined"}})
    client.v1.payment_methods.attach(pm.id, {"customer": customer.id})
    price = monthly_price(client)
    with pytest.raises(stripe.CardError):
        client.v1.subscriptions.create(
            {
                "customer": customer.id,
                "items": [{"price": price.id}],
                "default_payment_method": pm.id,
                "payment_behavior": "error_if_incomplete",
            }
        )
    _, sub = subscribed_customer(client)
    client.v1.subscriptions.cancel(sub.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.cancel(sub.id)
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"
