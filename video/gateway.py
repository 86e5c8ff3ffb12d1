"""The one place VideoConnect talks to Stripe. Every write carries an idempotency key derived from our rows,
so a retried request never creates a second customer or subscription or changes one twice."""

from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from django.conf import settings


class GatewayError(Exception):
    """Stripe refused or could not be reached; `message` is safe to show to the family member."""

    def __init__(self, message, code="stripe_error"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class StripeSubscription:
    id: str
    customer: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    ended_at: datetime | None


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_API_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=getattr(settings, "STRIPE_TIMEOUT_SECONDS", 20.0)),
    )


def _ts(value):
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _period_end(obj) -> datetime | None:
    # Newer API versions moved the period from the subscription onto its items.
    end = obj.get("current_period_end")
    if not end:
        items = (obj.get("items") or {}).get("data") or []
        end = max((i.get("current_period_end") or 0 for i in items), default=0)
    return _ts(end)


def _wrap(obj) -> StripeSubscription:
    return StripeSubscription(
        id=obj["id"],
        customer=obj.get("customer") or "",
        status=obj.get("status") or "",
        current_period_end=_period_end(obj),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        ended_at=_ts(obj.get("ended_at")),
    )


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise GatewayError(exc.user_message or "Your card was declined.", code="card_declined") from exc
    except stripe.StripeError as exc:
        raise GatewayError(
            "We could not reach our payment processor. Nothing was changed; please try again."
        ) from exc


def create_customer(*, email: str, name: str, payment_method: str, key: str) -> str:
    """A customer whose default card is `payment_method` (a pm_ id, or a tok_ test token); returns its id."""
    c = client()
    if payment_method.startswith("tok_"):
        # Without Stripe.js (tests, the local demo) the page sends a test card token; make it a PaymentMethod.
        pm = _call(
            c.v1.payment_methods.create,
            params={"type": "card", "card": {"token": payment_method}},
            options={"idempotency_key": f"{key}-pm"},
        )
        payment_method = pm.id
    customer = _call(
        c.v1.customers.create,
        params={"email": email, "name": name, "metadata": {"source": "videoconnect"}},
        options={"idempotency_key": f"{key}-customer"},
    )
    _call(
        c.v1.payment_methods.attach,
        payment_method,
        params={"customer": customer.id},
        options={"idempotency_key": f"{key}-attach"},
    )
    _call(
        c.v1.customers.update,
        customer.id,
        params={"invoice_settings": {"default_payment_method": payment_method}},
        options={"idempotency_key": f"{key}-default-pm"},
    )
    return customer.id


def create_subscription(
    *, customer: str, price_cents: int, facility_name: str, metadata: dict, key: str
) -> StripeSubscription:
    """Monthly Unlimited for one facility, charged now and renewed automatically on the default card."""
    sub = _call(
        client().v1.subscriptions.create,
        params={
            "customer": customer,
            "items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "product_data": {"name": f"VideoConnect Unlimited – {facility_name}"},
                        "unit_amount": price_cents,
                        "recurring": {"interval": "month"},
                    }
                }
            ],
            "payment_behavior": "error_if_incomplete",
            "metadata": metadata,
        },
        options={"idempotency_key": f"{key}-subscription"},
    )
    return _wrap(sub)


def set_cancel_at_period_end(
    *, subscription_id: str, cancel: bool, key: str, feedback: str = "", comment: str = ""
) -> StripeSubscription:
    """Schedule (or withdraw) the end of a subscription at its period's end; nothing is refunded."""
    params: dict = {"cancel_at_period_end": cancel}
    if cancel:
        details = {"feedback": feedback or "other"}
        if comment:
            details["comment"] = comment[:500]
        params["cancellation_details"] = details
    sub = _call(
        client().v1.subscriptions.update, subscription_id, params=params, options={"idempotency_key": key}
    )
    return _wrap(sub)


def retrieve_subscription(*, subscription_id: str) -> StripeSubscription:
    return _wrap(_call(client().v1.subscriptions.retrieve, subscription_id))


def cancel_subscription_now(*, subscription_id: str, key: str) -> StripeSubscription:
    """End a subscription at once (account deletion): no further renewals, nothing refunded."""
    current = retrieve_subscription(subscription_id=subscription_id)
    if current.status == "canceled":
        return current
    return _wrap(
        _call(
            client().v1.subscriptions.cancel,
            subscription_id,
            params={"prorate": False, "invoice_now": False},
            options={"idempotency_key": key},
        )
    )
