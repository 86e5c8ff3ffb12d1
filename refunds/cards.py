"""Card refunds: submitted to Stripe exactly once, settled by webhook, replaced by a check when the card
cannot take them.

Exactly once rests on two things: a conditional UPDATE claims a pending refund (pending -> submitted), so
one worker calls Stripe in the normal case; and every call carries the refund's idempotency key, so a
worker that crashed after Stripe answered, or timed out, gets the same Stripe refund back on its retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Address
from securus.cards import card_label

from . import emails, gateway
from .issuing import check_from_snapshot, check_to, replacement_check_refund
from .models import Check, Refund, RefundEvent, deletion_model

log = logging.getLogger(__name__)

# A pending refund whose task was enqueued longer ago than this has lost its message: enqueue it again.
SWEEP_AFTER = timedelta(minutes=15)
# Refund statuses after which nothing more happens to the money (the address snapshot can go).
FINAL_STATUSES = frozenset(
    {
        Refund.Status.SUCCEEDED,
        Refund.Status.REPLACED,
        Refund.Status.CHECK_MAILED,
        Refund.Status.CHECK_VOIDED,
        Refund.Status.CHECK_RETURNED,
    }
)


def _event(refund: Refund, status: str, note: str = "", *, at=None) -> RefundEvent:
    return RefundEvent.objects.create(refund=refund, status=status, note=note[:300], at=at or timezone.now())


def submit_card_refund(refund_id: int) -> Refund | None:
    """Send one pending card refund to Stripe. Safe to run any number of times, at once or after a crash.

    Raises gateway.TransientGatewayError for the task to retry later (the refund goes back to pending)."""
    now = timezone.now()
    claimed = Refund.objects.filter(
        pk=refund_id, method=Refund.Method.CARD, status=Refund.Status.PENDING
    ).update(status=Refund.Status.SUBMITTED, updated_at=now)
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
        # Back to pending so the retry (or the sweep) claims it again; enqueued_at stays fresh.
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.SUBMITTED, stripe_refund_id="").update(
            status=Refund.Status.PENDING, updated_at=timezone.now(), enqueued_at=timezone.now()
        )
        raise
    return record_submission(refund_id=refund.pk, result=result)


def note_retry(*, refund_id: int, countdown: int) -> None:
    """A retry is scheduled: the sweep leaves the refund alone until it is due."""
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        enqueued_at=timezone.now() + timedelta(seconds=countdown)
    )


def record_submission(*, refund_id: int, result: gateway.StripeRefund) -> Refund:
    """Store Stripe's refund id once; a refund Stripe already settled is settled here too."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("deletion").get(pk=refund_id)
        if refund.stripe_refund_id:
            return refund
        refund.stripe_refund_id = result.id
        refund.updated_at = timezone.now()
        refund.save(update_fields=["stripe_refund_id", "updated_at"])
        _event(
            refund,
            Refund.Status.SUBMITTED,
            f"Sent to the card issuer ({card_label(refund.card_brand, refund.card_last4)}).",
        )
        emails.send_status_email(refund=refund, status=Refund.Status.SUBMITTED)
    if result.status == "succeeded":
        return mark_succeeded(refund_id=refund_id)
    if result.status in ("failed", "canceled"):
        return replace_with_check(refund_id=refund_id, reason=_reason_text(result.failure_reason or "failed"))
    return refund


def mark_succeeded(*, refund_id: int) -> Refund:
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("deletion").get(pk=refund_id)
        if refund.status not in (Refund.Status.PENDING, Refund.Status.SUBMITTED):
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.updated_at = timezone.now()
        refund.save(update_fields=["status", "updated_at"])
        _event(refund, Refund.Status.SUCCEEDED, "The card issuer accepted the refund.")
        emails.send_status_email(refund=refund, status=Refund.Status.SUCCEEDED)
        erase_snapshot_if_settled(deletion_id=refund.deletion_id)
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


def _address_on_record(account_id: int):
    return Address.objects.select_related("account").filter(account_id=account_id).first()


def replace_with_check(*, refund_id: int, reason: str) -> Refund:
    """A card refund that failed for good becomes a mailed check for the same amount, addressed to the
    snapshot taken at deletion. Returns the new check refund (or the existing one on a re-run)."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("deletion").get(pk=refund_id)
        if refund.replaced_by_id:
            return refund.replaced_by
        if refund.method != Refund.Method.CARD or refund.status in (
            Refund.Status.FAILED,
            Refund.Status.REPLACED,
        ):
            return refund
        now = timezone.now()
        refund.status = Refund.Status.FAILED
        refund.failure_reason = reason[:200]
        refund.updated_at = now
        _event(refund, Refund.Status.FAILED, f"The card refund failed: {reason}.", at=now)
        check_refund = replacement_check_refund(replacing=refund, key_suffix="check", now=now)
        _event(
            check_refund, Refund.Status.CHECK_QUEUED, f"Replaces a card refund that failed: {reason}.", at=now
        )
        address = None if refund.deletion is not None else _address_on_record(refund.account_id)
        if refund.deletion is not None:
            check_from_snapshot(refund=check_refund, deletion=refund.deletion).save()
        elif address is not None:  # a refund without deletion (inactive balance): the address on record
            fields = {
                name: getattr(address, name) for name in ("line1", "line2", "city", "state", "zip_code")
            }
            check_to(refund=check_refund, payee=address.account.name, address=fields).save()
        else:  # no snapshot to address it to: queued without address, held back from check runs
            Check.objects.create(
                refund=check_refund,
                amount_cents=check_refund.amount_cents,
                payee="",
                line1="",
                city="",
                state="",
                zip_code="",
            )
            log.warning("refund %s: replacement check %s has no address", refund.pk, check_refund.pk)
        refund.status = Refund.Status.REPLACED
        refund.replaced_by = check_refund
        refund.save(update_fields=["status", "failure_reason", "updated_at", "replaced_by"])
        _event(refund, Refund.Status.REPLACED, "Replaced by a mailed check.", at=now)
        emails.send_status_email(refund=refund, status=Refund.Status.REPLACED, note=reason)
    log.info("refund %s failed (%s): replaced by check refund %s", refund.pk, reason, check_refund.pk)
    return check_refund


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
    from .tasks import submit_card_refund

    now = now or timezone.now()
    cutoff = now - SWEEP_AFTER
    stuck = Q(status=Refund.Status.PENDING) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
    orphaned = Q(status=Refund.Status.SUBMITTED, stripe_refund_id="", updated_at__lt=cutoff) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff)
    )
    ids = list(
        Refund.objects.filter(Q(method=Refund.Method.CARD) & (stuck | orphaned))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
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
            submit_card_refund.delay(refund_id)
        except Exception:
            log.exception("sweep: could not enqueue refund %s", refund_id)
            Refund.objects.filter(pk=refund_id, enqueued_at=now).update(enqueued_at=None)
            continue
        enqueued.append(refund_id)
    if enqueued:
        log.warning("sweep: enqueued %d card refunds again: %s", len(enqueued), enqueued)
    return enqueued


def erase_snapshot_if_settled(*, deletion_id: int | None) -> bool:
    """Once every refund of a deletion is final, the deletion's address snapshot is erased: from then on
    the address lives only on the Check rows that were mailed to it."""
    if deletion_id is None:
        return False
    open_refunds = Refund.objects.filter(deletion_id=deletion_id).exclude(status__in=FINAL_STATUSES)
    if open_refunds.exists():
        return False
    return bool(
        deletion_model().objects.filter(pk=deletion_id).exclude(mailing_address={}).update(mailing_address={})
    )
