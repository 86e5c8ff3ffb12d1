"""The one place refunds reach Stripe. Errors come out typed: transient ones are retried later with the
same idempotency key, permanent ones turn the card refund into a mailed check."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import stripe
from django.conf import settings

# Card errors that will not go away by retrying: the card is closed, expired, lost or stolen.
PERMANENT_CARD_CODES = frozenset({"expired_card", "card_declined", "incorrect_number", "invalid_account"})
# Request errors that mean this charge cannot take this refund (ever).
PERMANENT_REQUEST_CODES = frozenset(
    {
        "charge_already_refunded",
        "charge_disputed",
        "amount_too_large",
        "charge_not_refundable",
        "charge_expired_for_refund",
        "resource_missing",
        "refund_disputed_payment",
    }
)


class GatewayError(Exception):
    """A Stripe call that failed; `code` is Stripe's error code or our own."""

    def __init__(self, message: str, code: str = "stripe_error"):
        super().__init__(message)
        self.message = message
        self.code = code


class TransientGatewayError(GatewayError):
    """Network error, timeout, 5xx or rate limit: try again later with the same idempotency key."""


class PermanentGatewayError(GatewayError):
    """The card or charge cannot take this refund: pay it another way."""


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str  # pending, succeeded, failed, canceled, requires_action
    amount_cents: int
    failure_reason: str | None = None


def client() -> stripe.StripeClient:
    """One client per configuration, reused: it keeps its HTTP connections open between refunds."""
    return _client(
        settings.STRIPE_API_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, retries: int, timeout: float) -> stripe.StripeClient:
    # RequestsClient keeps one requests.Session per thread, so sharing the client across threads is safe.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _translate(exc: stripe.StripeError) -> GatewayError:
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return TransientGatewayError(
            str(exc.user_message or exc),
            "network" if isinstance(exc, stripe.APIConnectionError) else "rate_limit",
        )
    if isinstance(exc, stripe.CardError):
        decline = getattr(exc.error, "decline_code", None) if exc.error else None
        reason = decline or exc.code or "card_error"
        return PermanentGatewayError(str(exc.user_message or exc), reason)
    if isinstance(exc, stripe.InvalidRequestError) and exc.code in PERMANENT_REQUEST_CODES:
        return PermanentGatewayError(str(exc.user_message or exc), exc.code)
    if isinstance(exc, stripe.APIError) or (exc.http_status or 0) >= 500 or exc.http_status == 409:
        return TransientGatewayError(str(exc.user_message or exc), "server_error")
    # Authentication, permission, idempotency conflicts, unexpected request errors: our bug, not the
    # card's. Neither retried blindly nor paid by check: it waits for a person.
    return GatewayError(str(exc.user_message or exc), exc.code or type(exc).__name__)


def _refund(obj) -> StripeRefund:
    return StripeRefund(
        id=obj.id, status=obj.status, amount_cents=obj.amount, failure_reason=obj.get("failure_reason")
    )


def create_refund(*, charge_id: str, amount_cents: int, idempotency_key: str, metadata: dict) -> StripeRefund:
    """Refund `amount_cents` of a charge (ch_...) or payment intent (pi_...). The same idempotency key
    always yields the same Stripe refund, so a retry after a timeout or a crash cannot refund twice."""
    if not charge_id:
        raise PermanentGatewayError("No card charge is on record for this payment.", "no_charge_on_record")
    params: dict = {"amount": amount_cents, "metadata": metadata, "reason": "requested_by_customer"}
    params["payment_intent" if charge_id.startswith("pi_") else "charge"] = charge_id
    try:
        obj = client().v1.refunds.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return _refund(obj)


def retrieve_refund(*, refund_id: str) -> StripeRefund:
    try:
        return _refund(client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


def construct_event(*, payload: bytes, signature: str):
    """The verified webhook event; raises ValueError or stripe.SignatureVerificationError otherwise."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
