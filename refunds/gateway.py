"""Card refunds at Stripe, through securus.stripe (one client, one error hierarchy).

Which failures are which, for a refund: `Unreachable` is retried later with the same idempotency key;
`CardProblem`, `Refused` and `NotFound` mean this charge will never take this refund (it becomes a mailed
check, after `refunds_of_charge` shows the money did not already go back); `NeedsAttention` waits for a
person."""

from __future__ import annotations

from dataclasses import dataclass, field

import stripe
from stripe.params import RefundCreateParams, RefundListParams

from securus import stripe as gateway
from securus.stripe import CardProblem, NeedsAttention, NotFound, Refused, StripeFailure, Unreachable

__all__ = [
    "CardProblem",
    "NeedsAttention",
    "NotFound",
    "PermanentFailure",
    "Refused",
    "StripeFailure",
    "StripeRefund",
    "Unreachable",
    "create_refund",
    "refunds_of_charge",
    "retrieve_refund",
]

# The failures after which this charge will not take this refund, whatever we retry.
PermanentFailure = (CardProblem, Refused, NotFound)
# Stripe statuses of a refund whose money is on its way to, or back on, the card.
LIVE_STATUSES = frozenset({"pending", "succeeded", "requires_action"})


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str  # pending, requires_action, succeeded, failed, canceled
    amount_cents: int
    failure_reason: str | None = None
    charge: str = ""
    payment_intent: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


def _refund(obj: stripe.Refund) -> StripeRefund:
    charge = obj.charge if isinstance(obj.charge, str) else (obj.charge.id if obj.charge else "")
    intent = obj.payment_intent
    return StripeRefund(
        id=obj.id,
        status=obj.status or "",
        amount_cents=obj.amount,
        failure_reason=obj.get("failure_reason"),
        charge=charge,
        payment_intent=intent if isinstance(intent, str) else (intent.id if intent else ""),
        metadata=dict(obj.metadata or {}),
    )


def create_refund(*, charge_id: str, amount_cents: int, idempotency_key: str, metadata: dict) -> StripeRefund:
    """Refund `amount_cents` of a charge (ch_...) or payment intent (pi_...). The same idempotency key
    yields the same Stripe refund for 24 hours; after that only `refunds_of_charge` can tell."""
    if not charge_id:
        raise NotFound("No card charge is on record for this payment.", "no_charge_on_record")
    params: RefundCreateParams = {
        "amount": amount_cents,
        "metadata": metadata,
        "reason": "requested_by_customer",
    }
    if charge_id.startswith("pi_"):
        params["payment_intent"] = charge_id
    else:
        params["charge"] = charge_id
    try:
        obj = gateway.client().v1.refunds.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return _refund(obj)


def retrieve_refund(*, refund_id: str) -> StripeRefund:
    try:
        return _refund(gateway.client().v1.refunds.retrieve(refund_id))
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc


def refunds_of_charge(*, charge_id: str) -> list[StripeRefund]:
    """Every refund Stripe holds for a charge (or payment intent), whoever made it, newest first."""
    params: RefundListParams = {"limit": 100}
    if charge_id.startswith("pi_"):
        params["payment_intent"] = charge_id
    else:
        params["charge"] = charge_id
    found: list[StripeRefund] = []
    try:
        page = gateway.client().v1.refunds.list(params)
        for obj in page.auto_paging_iter():
            found.append(_refund(obj))
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return found


def charge_exists(*, charge_id: str) -> bool:
    try:
        if charge_id.startswith("pi_"):
            gateway.client().v1.payment_intents.retrieve(charge_id)
        else:
            gateway.client().v1.charges.retrieve(charge_id)
    except stripe.StripeError as exc:
        failure = gateway.translate(exc)
        if isinstance(failure, NotFound):
            return False
        raise failure from exc
    return True


def create_test_charge(*, amount_cents: int, key: str, metadata: dict[str, str]) -> str:
    """A card charge in test mode (Stripe's tok_visa test card), for demo purchases made outside this
    app that a refund will go back to. Returns the charge id."""
    try:
        charge = gateway.client().v1.charges.create(
            {"amount": amount_cents, "currency": "usd", "source": "tok_visa", "metadata": metadata},
            {"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise gateway.translate(exc) from exc
    return charge.id
