"""Each kind of Stripe failure comes out as its own error with a message that is true for the reader."""

import pytest
import stripe

from securus import stripe as gateway

pytestmark = pytest.mark.django_db


def failure(call):
    with pytest.raises(stripe.StripeError) as exc:
        call()
    return gateway.translate(exc.value)


@pytest.fixture
def sdk(fake_stripe):
    return gateway.client()


def test_a_decline_is_the_cards_problem_not_a_network_one(fake_stripe, sdk):
    charge = fake_stripe.add_charge(amount=500)
    fake_stripe.fail_next_refund("expired_card")
    err = failure(lambda: sdk.v1.refunds.create({"charge": charge["id"]}))
    assert isinstance(err, gateway.CardProblem) and err.code == "expired_card"
    assert "expired" in err.message and "could not reach" not in err.message
    fake_stripe.fail_next_refund("stolen_card")
    err = failure(lambda: sdk.v1.refunds.create({"charge": charge["id"]}))
    assert (err.code, err.decline_code) == ("stolen_card", "stolen_card")


@pytest.mark.parametrize(
    ("status", "code"), [(500, "server_error"), (503, "server_error"), (429, "rate_limit")]
)
def test_server_errors_and_rate_limits_are_unreachable(fake_stripe, sdk, status, code):
    fake_stripe.fail_next(1, status=status)
    err = failure(lambda: sdk.v1.customers.create({"email": "a@example.com"}))
    assert isinstance(err, gateway.Unreachable) and err.code == code
    assert "could not reach" in err.message


def test_a_timeout_is_unreachable(fake_stripe, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    fake_stripe.timeout_next(seconds=1)
    err = failure(lambda: gateway.client().v1.customers.create({"email": "a@example.com"}))
    assert isinstance(err, gateway.Unreachable) and err.code == "network"


def test_a_missing_object_is_not_found(fake_stripe, sdk):
    err = failure(lambda: sdk.v1.subscriptions.retrieve("sub_gone"))
    assert isinstance(err, gateway.NotFound) and err.code == "resource_missing"


def test_a_refused_refund_keeps_stripes_code(fake_stripe, sdk):
    charge = fake_stripe.add_charge(amount=500)
    err = failure(lambda: sdk.v1.refunds.create({"charge": charge["id"], "amount": 900}))
    assert isinstance(err, gateway.Refused) and err.code == "amount_too_large"


def test_our_own_mistakes_need_attention(fake_stripe, sdk):
    fake_stripe.fail_next(1, status=401)
    assert isinstance(failure(lambda: sdk.v1.customers.list()), gateway.NeedsAttention)
    sdk.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k"})
    err = failure(lambda: sdk.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "k"}))
    assert isinstance(err, gateway.NeedsAttention) and err.code == "idempotency_error"
    assert "problem on our side" in err.message


@pytest.mark.stripe_rejects
def test_a_parameter_stripe_refuses_needs_attention(fake_stripe, sdk):
    err = failure(lambda: sdk.v1.customers.create({"emial": "a@example.com"}))
    assert isinstance(err, gateway.NeedsAttention) and err.code == "parameter_unknown"
