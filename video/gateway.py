"""VideoConnect's calls to Stripe, through securus.stripe (one client, one error hierarchy). Every write
carries an idempotency key derived from our rows, so a retried request never creates a second customer or
subscription or changes one twice. Errors come out as securus.stripe.StripeFailure subclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import stripe
from stripe.params import (
    SubscriptionCreateParams,
    SubscriptionUpdateParams,
    SubscriptionUpdateParamsCancellationDetails,
)

from securus import stripe as gateway
from securus.stripe import CardProblem, NeedsAttention, NotFound, StripeFailure, Unreachable

__all__ = ["CardProblem", "NeedsAttention", "NotFound", "StripeFailure", "StripeSubscription", "Unreachable"]


@dataclass(frozen=True)
class StripeSubscription:
    id: str
    customer: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    ended_at: datetime | None


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _wrap(obj: stripe.Subscription) -> StripeSubscription:
    # Since API version 2025-03-31 the billing period is on each item, not on the subscription.
    end = max((item.current_period_end for item in obj["items"].data), default=0)
    customer = obj.customer if isinstance(obj.customer, str) else obj.customer.id
    return StripeSubscription(
        id=obj.id,
        customer=customer,
        status=obj.status,
        current_period_end=_ts(end),
        cancel_at_period_end=bool(obj.cancel_at_period_end),
        ended_at=_ts(obj.ended_at),
    )


def wrap_event_object(obj) -> StripeSubscription:
    """A subscription as a webhook carries it (already verified by its signature)."""
    return _wrap(stripe.Subscription.construct_from(obj, key=None))


def create_product(*, name: str, facility_id: int) -> str:
    """The Product VideoConnect Unlimited at one facility is billed under; its key is the facility's, so
    two first subscribers at once still make one product."""
    try:
        product = gateway.client().v1.products.create(
            {"name": name, "metadata": {"facility": str(facility_id)}},
            {"idempotency_key": f"video-product-facility-{facility_id}"},
        )
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return product.id


def card_payment_method(*, payment_method: str, key: str) -> str:
    """A pm_ id as is; a tok_ test card token (the local demo and tests, without Stripe.js) as a new
    PaymentMethod."""
    if not payment_method.startswith("tok_"):
        return payment_method
    try:
        pm = gateway.client().v1.payment_methods.create(
            {"type": "card", "card": {"token": payment_method}}, {"idempotency_key": f"{key}-pm"}
        )
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return pm.id


def create_customer(*, email: str, name: str, key: str) -> str:
    try:
        customer = gateway.client().v1.customers.create(
            {"email": email, "name": name, "metadata": {"source": "videoconnect"}},
            {"idempotency_key": f"{key}-customer"},
        )
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return customer.id


def set_default_card(*, customer: str, payment_method: str, key: str) -> None:
    """Attach the card to the customer and make it the one renewals charge."""
    c = gateway.client()
    try:
        c.v1.payment_methods.attach(
            payment_method, {"customer": customer}, {"idempotency_key": f"{key}-attach"}
        )
        c.v1.customers.update(
            customer,
            {"invoice_settings": {"default_payment_method": payment_method}},
            {"idempotency_key": f"{key}-default-pm"},
        )
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc


def create_subscription(
    *,
    customer: str,
    product: str,
    price_cents: int,
    metadata: dict[str, str],
    key: str,
    first_period_end: datetime | None = None,
) -> StripeSubscription:
    """Monthly Unlimited for one facility's product, charged now (a declined card fails the request:
    nothing is left half-made) and renewed automatically on the default card. With `first_period_end`
    (a subscription already paid for elsewhere) the first period runs free until then."""
    params: SubscriptionCreateParams = {
        "customer": customer,
        "items": [
            {
                "price_data": {
                    "currency": "usd",
                    "product": product,
                    "unit_amount": price_cents,
                    "recurring": {"interval": "month"},
                }
            }
        ],
        "payment_behavior": "error_if_incomplete",
        "metadata": metadata,
    }
    if first_period_end is not None:
        params["billing_cycle_anchor"] = int(first_period_end.timestamp())
        params["proration_behavior"] = "none"
    try:
        sub = gateway.client().v1.subscriptions.create(params, {"idempotency_key": f"{key}-subscription"})
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return _wrap(sub)


def live_subscription_for(*, customer: str, facility_id: int) -> StripeSubscription | None:
    """The customer's subscription at Stripe for this facility that is still billing, if any: a
    subscribe that died after Stripe made it left it there without our row."""
    try:
        page = gateway.client().v1.subscriptions.list({"customer": customer, "limit": 100})
        for obj in page.auto_paging_iter():
            if obj.status in ("active", "trialing", "past_due") and obj.metadata.get("facility") == str(
                facility_id
            ):
                return _wrap(obj)
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return None


def set_cancel_at_period_end(
    *, subscription_id: str, cancel: bool, key: str, feedback: str = "", comment: str = ""
) -> StripeSubscription:
    """Schedule (or withdraw) the end of a subscription at its period's end; nothing is refunded."""
    params: SubscriptionUpdateParams = {"cancel_at_period_end": cancel}
    if cancel:
        # feedback is one of Stripe's reasons: our UnsubscribeReason rows store only those values.
        details = cast(SubscriptionUpdateParamsCancellationDetails, {"feedback": feedback or "other"})
        if comment:
            details["comment"] = comment[:500]
        params["cancellation_details"] = details
    try:
        sub = gateway.client().v1.subscriptions.update(subscription_id, params, {"idempotency_key": key})
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return _wrap(sub)


def retrieve_subscription(*, subscription_id: str) -> StripeSubscription:
    try:
        return _wrap(gateway.client().v1.subscriptions.retrieve(subscription_id))
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc


def cancel_subscription_now(*, subscription_id: str, key: str) -> StripeSubscription | None:
    """End a subscription at once (account deletion): no further renewals, nothing refunded. Returns
    None when Stripe no longer has it (already cancelled, or deleted): nothing is left to charge."""
    try:
        current = retrieve_subscription(subscription_id=subscription_id)
        if current.status in ("canceled", "incomplete_expired"):
            return current
        sub = gateway.client().v1.subscriptions.cancel(
            subscription_id, {"prorate": False, "invoice_now": False}, {"idempotency_key": key}
        )
    except NotFound:
        return None
    except stripe.StripeError as exc:
        failure = gateway.translate(exc)
        if isinstance(failure, NotFound):
            return None
        raise failure from exc
    return _wrap(sub)
