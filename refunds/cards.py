"""Card refunds: submitted to Stripe exactly once, settled by webhook, replaced by a check when the card
cannot take them.

Exactly once rests on two things: a conditional UPDATE claims a pending refund (pending -> submitted), so
one worker calls Stripe in the normal case; and every call carries the refund's idempotency key, so a
worker that crashed after Stripe answered, or timed out, gets the same Stripe refund back on its retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from . import gateway
from .enqueue import submit_card_refund_later
from .models import Refund
from .transitions import (
    card_refunds_to_sweep,
    claim_for_submission,
    mark_succeeded,
    release_claim,
    replace_with_check,
)
from .transitions import record_submission as _record_stripe_id

log = logging.getLogger(__name__)

# A pending refund whose task was enqueued longer ago than this has lost its message: enqueue it again.
SWEEP_AFTER = timedelta(minutes=15)


def submit_card_refund(refund_id: int) -> Refund | None:
    """Send one pending card refund to Stripe. Safe to run any number of times, at once or after a crash.

    Raises gateway.TransientGatewayError for the task to retry later (the refund goes back to pending)."""
    claimed = claim_for_submission(refund_id=refund_id, now=timezone.now())
    refund = Refund.objects.select_related("payment", "deletion").filter(pk=refund_id).first()
    if refund is None:
        return None
    if not claimed and not (refund.status == Refund.Status.SUBMITTED and not refund.stripe_refund_id):
        return refund  # already sent, settled or replaced
    # Either we claimed it now, or an earlier run claimed it and stopped before recording Stripe's answer:
    # in both cases the idempotency key makes this call return the one Stripe refund.
    try:
        result = gateway.create_refund(
            charge_id=refund.payment.stripe_charge_id,
            amount_cents=refund.amount_cents,
            idempotency_key=refund.idempotency_key,
            metadata={"refund_id": str(refund.pk), "deletion_id": str(refund.deletion_id or "")},
        )
    except gateway.PermanentGatewayError as exc:
        return replace_with_check(refund_id=refund.pk, reason=_reason_text(exc.code, exc.message))
    except gateway.TransientGatewayError:
        release_claim(refund_id=refund.pk)
        raise
    return record_submission(refund_id=refund.pk, result=result)


def note_retry(*, refund_id: int, countdown: int) -> None:
    """A retry is scheduled: the sweep leaves the refund alone until it is due."""
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        enqueued_at=timezone.now() + timedelta(seconds=countdown)
    )


def record_submission(*, refund_id: int, result: gateway.StripeRefund) -> Refund:
    """Store Stripe's refund id once; a refund Stripe already settled is settled here too."""
    refund, recorded = _record_stripe_id(refund_id=refund_id, stripe_refund_id=result.id)
    if not recorded:
        return refund
    if result.status == "succeeded":
        return mark_succeeded(refund_id=refund_id)
    if result.status in ("failed", "canceled"):
        return replace_with_check(refund_id=refund_id, reason=_reason_text(result.failure_reason or "failed"))
    return refund


REASONS = {
    "expired_card": "the card has expired",
    "expired_or_canceled_card": "the card has expired or was closed",
    "lost_card": "the card was reported lost",
    "stolen_card": "the card was reported stolen",
    "lost_or_stolen_card": "the card was reported lost or stolen",
    "card_declined": "the card issuer declined it",
    "generic_decline": "the card issuer declined it",
    "declined": "the card issuer declined it",
    "charge_already_refunded": "the original charge can no longer be refunded",
    "charge_not_refundable": "the original charge can no longer be refunded",
    "charge_expired_for_refund": "the original charge is too old to refund",
    "amount_too_large": "the original charge can no longer take this amount",
    "no_charge_on_record": "the original card charge could not be found",
}


def _reason_text(code: str, message: str = "") -> str:
    return REASONS.get(code, message or code.replace("_", " "))


def handle_refund_event(event) -> None:
    """Webhook handler for refund.updated and refund.failed: settle the refund Stripe tells us about."""
    obj = event["data"]["object"]
    refund = Refund.objects.filter(stripe_refund_id=obj["id"]).first()
    if refund is None:
        # Stripe may tell us before our worker recorded its answer: find it by our own id in metadata.
        ours = (obj.get("metadata") or {}).get("refund_id")
        refund = Refund.objects.filter(pk=int(ours), method=Refund.Method.CARD).first() if ours else None
        if refund is None:
            log.warning("webhook %s: no refund for %s", event["id"], obj["id"])
            return
        record_submission(
            refund_id=refund.pk,
            result=gateway.StripeRefund(id=obj["id"], status="pending", amount_cents=obj["amount"]),
        )
    status = obj.get("status")
    if event["type"] == "refund.failed" or status in ("failed", "canceled"):
        replace_with_check(refund_id=refund.pk, reason=_reason_text(obj.get("failure_reason") or "failed"))
    elif status == "succeeded":
        mark_succeeded(refund_id=refund.pk)


def sweep_pending(*, limit: int = 200, now=None) -> list[int]:
    """Enqueue again the card refunds whose task message was lost (broker down at commit, retries spent,
    a worker killed after claiming). Returns the refund ids enqueued."""
    now = now or timezone.now()
    cutoff = now - SWEEP_AFTER
    ids = list(
        card_refunds_to_sweep(cutoff=cutoff).order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    enqueued = []
    for refund_id in ids:
        # The conditional update is the claim: two sweeps at once enqueue each refund once.
        if (
            not Refund.objects.filter(pk=refund_id)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
            .update(enqueued_at=now)
        ):
            continue
        try:
            submit_card_refund_later(refund_id)
        except Exception:
            log.exception("sweep: could not enqueue refund %s", refund_id)
            Refund.objects.filter(pk=refund_id, enqueued_at=now).update(enqueued_at=None)
            continue
        enqueued.append(refund_id)
    if enqueued:
        log.warning("sweep: enqueued %d card refunds again: %s", len(enqueued), enqueued)
    return enqueued
