"""Card refunds: submitted to Stripe exactly once, settled by webhook, replaced by a check when the card
cannot take them.

Exactly once rests on two things: a conditional UPDATE claims a pending refund (pending -> submitted), so
one worker calls Stripe in the normal case; and every call carries the refund's idempotency key, so a
worker that crashed after Stripe answered, or timed out, gets the same Stripe refund back on its retry.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import BigIntegerField, Q
from django.utils import timezone

from securus.compiled import CompiledValues, Param
from securus.money import dollars

from . import gateway
from .enqueue import submit_card_refund_later
from .models import Refund, deletion_model
from .transitions import (
    REFUND_CAN_FAIL_FOR,
    card_refunds_to_sweep,
    claim_and_read_for_submission,
    erase_snapshot_if_settled,
    mark_succeeded,
    release_claim,
    replace_with_check,
    unheard_card_refunds,
)
from .transitions import record_submission as _record_stripe_id

log = logging.getLogger(__name__)

# A pending refund whose task was enqueued longer ago than this has lost its message: enqueue it again.
SWEEP_AFTER = timedelta(minutes=15)
# A refund Stripe left pending with no webhook for this long is looked up (retrieve).
UNHEARD_AFTER = timedelta(days=1)


def submit_card_refund(refund_id: int) -> Refund | None:
    """Send one pending card refund to Stripe. Safe to run any number of times, at once or after a crash.

    Raises gateway.Unreachable for the task to retry later (the refund goes back to pending)."""
    now = timezone.now()
    claimed, refund = claim_and_read_for_submission(refund_id=refund_id, now=now)
    if refund is None:
        return None
    if not claimed and not (refund.status == Refund.Status.SUBMITTED and not refund.stripe_refund_id):
        return refund  # already sent, settled or replaced
    charge_id = refund.payment.stripe_charge_id
    resent = refund.first_sent_at is not None and refund.first_sent_at < now
    try:
        # An earlier send may have reached Stripe and died before we recorded the answer, longer ago than
        # the 24 hours Stripe keeps an idempotency key: ask Stripe first, so a re-send cannot refund twice.
        earlier = _own_refund_at_stripe(refund, charge_id) if charge_id and resent else None
        if earlier is not None:
            return record_submission(refund_id=refund.pk, result=earlier, refund=refund)
        result = gateway.create_refund(
            charge_id=charge_id,
            amount_cents=refund.amount_cents,
            idempotency_key=refund.idempotency_key,
            metadata={"refund_id": str(refund.pk), "deletion_id": str(refund.deletion_id or "")},
        )
    except gateway.PermanentFailure as exc:
        if exc.code in ("charge_already_refunded", "amount_too_large"):
            return _settle_charge_without_room(refund, charge_id, exc)
        return replace_with_check(refund_id=refund.pk, reason=_reason_text(exc.code, exc.message))
    except gateway.Unreachable:
        release_claim(refund_id=refund.pk)
        raise
    return record_submission(refund_id=refund.pk, result=result, refund=refund)


def _own_refund_at_stripe(refund: Refund, charge_id: str) -> gateway.StripeRefund | None:
    """The Stripe refund an earlier run made for this row (our id in its metadata), if any."""
    ours = [
        r
        for r in gateway.refunds_of_charge(charge_id=charge_id)
        if r.metadata.get("refund_id") == str(refund.pk)
    ]
    return next((r for r in ours if r.live), ours[0] if ours else None)


def _settle_charge_without_room(refund: Refund, charge_id: str, exc: gateway.StripeFailure) -> Refund:
    """Stripe says the charge has no room for this refund. Before paying by check, count what already
    went back to the card for this allocation: our own earlier refund, or a refund made outside this
    system (Stripe's dashboard) that none of our rows accounts for. Only the rest is owed by check."""
    at_stripe = gateway.refunds_of_charge(charge_id=charge_id)
    ours = next((r for r in at_stripe if r.metadata.get("refund_id") == str(refund.pk) and r.live), None)
    if ours is not None:
        return record_submission(refund_id=refund.pk, result=ours)
    claimed = set(
        Refund.objects.filter(payment_id=refund.payment_id)
        .exclude(pk=refund.pk)
        .exclude(stripe_refund_id="")
        .values_list("stripe_refund_id", flat=True)
    )
    outside = [r for r in at_stripe if r.live and r.id not in claimed and not r.metadata.get("refund_id")]
    returned = sum(r.amount_cents for r in outside)
    if outside and returned >= refund.amount_cents:
        log.warning(
            "refund %s: charge %s was already refunded outside the app (%s); no check",
            refund.pk,
            charge_id,
            [r.id for r in outside],
        )
        # Its id is unique among our rows, so that refund pays for one allocation only.
        return record_submission(
            refund_id=refund.pk,
            result=outside[0],
            note="The charge had already been refunded to the card by our payment processor.",
        )
    if not outside:
        return replace_with_check(refund_id=refund.pk, reason=_reason_text(exc.code, exc.message))
    # Part of it went back outside the app: that part is recorded as card refunds, the rest is a check.
    log.warning(
        "refund %s: charge %s was partly refunded outside the app (%s, %s cents); the rest by check",
        refund.pk,
        charge_id,
        [r.id for r in outside],
        returned,
    )
    check = replace_with_check(
        refund_id=refund.pk,
        reason=(
            f"{dollars(returned)} of it had already gone back to the card through our payment processor, "
            f"so the other {dollars(refund.amount_cents - returned)} comes by check"
        ),
        returned=[(r.id, r.amount_cents) for r in outside],
    )
    for r in outside:
        if r.status == "succeeded":
            mark_succeeded(stripe_refund_id=r.id)
    return check


def note_retry(*, refund_id: int, countdown: int) -> None:
    """A retry is scheduled: the sweep leaves the refund alone until it is due."""
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
        enqueued_at=timezone.now() + timedelta(seconds=countdown)
    )


def record_submission(
    *, refund_id: int, result: gateway.StripeRefund, note: str = "", refund: Refund | None = None
) -> Refund:
    """Store Stripe's refund id once; a refund Stripe already settled is settled here too. `refund`: the
    row as the caller loaded it (with its deletion), updated in place."""
    refund, recorded = _record_stripe_id(
        refund_id=refund_id, stripe_refund_id=result.id, note=note, refund=refund
    )
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
    "charge_disputed": "the original charge is disputed with the card issuer",
    "unknown": "the card issuer returned it",
    "canceled": "the refund was canceled",
    "amount_too_large": "the original charge can no longer take this amount",
    "no_charge_on_record": "the original card charge could not be found",
}


def _reason_text(code: str, message: str = "") -> str:
    return REASONS.get(code, message or code.replace("_", " "))


# Every refund webhook reads this first: compiled once per process (securus/compiled.py).
_STRIPE_IDS_OF_CARD_REFUND = CompiledValues(
    lambda: Refund.objects.filter(pk=Param("refund", BigIntegerField()), method=Refund.Method.CARD).values(
        "stripe_refund_id", "payment__stripe_charge_id"
    )
)


def confirm_refund_event(event) -> None:
    """Runs before the webhook's transaction. An event may name a Stripe refund our worker made but has not
    stored yet (Stripe's answer and its webhook race): when the metadata points at our card refund and that
    row holds no Stripe id, Stripe itself is asked whether the refund is ours, and its id is stored as the
    worker would store it. Stripe is called outside any transaction, so no row stays locked while it
    answers; gateway.Unreachable makes the delivery a 500 and Stripe sends the event again."""
    obj = event["data"]["object"]
    ours = (obj.get("metadata") or {}).get("refund_id") or ""
    if not ours.isdigit() or len(ours) > 18:  # not one of our bigint ids
        return
    rows = _STRIPE_IDS_OF_CARD_REFUND.rows(refund=int(ours))
    if not rows or rows[0]["stripe_refund_id"]:  # no such card refund, or its Stripe id is already stored
        return
    charge_id = rows[0]["payment__stripe_charge_id"]
    remote = gateway.retrieve_refund(refund_id=obj["id"])
    if remote.metadata.get("refund_id") != ours or charge_id not in (remote.charge, remote.payment_intent):
        return
    record_submission(refund_id=int(ours), result=remote)


# Stripe refund statuses that settle our card refund: it succeeded, or it becomes a check.
SETTLING_STATUSES = frozenset({"succeeded", "failed", "canceled"})


def handle_refund_event(event) -> None:
    """Webhook handler for refund.updated and refund.failed. It acts only on the refund whose Stripe id is
    stored on our row: metadata alone proves nothing (anyone with dashboard access can copy it). A refund
    our worker has not recorded yet was confirmed with Stripe before this transaction began
    (confirm_refund_event)."""
    obj = event["data"]["object"]
    status = obj.get("status") or ""
    if status not in SETTLING_STATUSES:
        return  # still pending at Stripe: nothing to do
    if _apply_stripe_status(status, obj.get("failure_reason"), stripe_refund_id=obj["id"]) is None:
        log.warning("webhook %s: refund %s is not one of ours; ignored", event["id"], obj["id"])


def _apply_stripe_status(
    status: str, failure_reason: str | None, *, refund_id: int | None = None, stripe_refund_id: str = ""
) -> Refund | None:
    """Settle our refund (by our id, or the card refund holding that Stripe refund's id) as Stripe reports
    it. None when the status settles nothing or no card refund holds the Stripe id."""
    if status in ("failed", "canceled"):
        return replace_with_check(
            refund_id=refund_id,
            stripe_refund_id=stripe_refund_id,
            reason=_reason_text(failure_reason or status),
        )
    if status == "succeeded":
        return mark_succeeded(refund_id=refund_id, stripe_refund_id=stripe_refund_id)
    return None


def settle_unheard(*, limit: int = 200, now=None) -> list[int]:
    """Card refunds Stripe accepted as pending and no webhook settled for a day: ask Stripe (retrieve)
    and settle them as it says. Returns the ids whose status changed."""
    now = now or timezone.now()
    ids = list(
        unheard_card_refunds(before=now - UNHEARD_AFTER)
        .order_by("updated_at")
        .values_list("pk", "stripe_refund_id")[:limit]
    )
    changed = []
    for pk, stripe_id in ids:
        try:
            remote = gateway.retrieve_refund(refund_id=stripe_id)
        except gateway.StripeFailure as exc:
            log.warning("refund %s: could not look up %s at Stripe: %s", pk, stripe_id, exc.code)
            continue
        after = _apply_stripe_status(remote.status, remote.failure_reason, refund_id=pk)
        if after is not None and (after.pk != pk or after.status != Refund.Status.SUBMITTED):
            changed.append(pk)
        else:  # still pending at Stripe: look again tomorrow
            Refund.objects.filter(pk=pk, status=Refund.Status.SUBMITTED).update(updated_at=now)
    if changed:
        log.warning("refunds settled by lookup, their webhooks never came: %s", changed)
    return changed


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


def erase_settled_snapshots(*, limit: int = 500, now=None) -> int:
    """Daily: settle deletions whose card refunds can no longer fail (address snapshot erased, contact
    email released, settlement recorded)."""
    now = now or timezone.now()
    candidates = (
        deletion_model()
        .objects.filter(refunds_settled_at__isnull=True)
        .filter(
            refunds__method=Refund.Method.CARD,
            refunds__status=Refund.Status.SUCCEEDED,
            refunds__updated_at__lte=now - REFUND_CAN_FAIL_FOR,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    return sum(erase_snapshot_if_settled(deletion_id=pk, now=now) for pk in candidates)
