"""VideoConnect Unlimited: subscribe, the Unsubscribe answers, cancel at period end, resume, webhooks, reconcile.

Stripe is called outside any database transaction (with idempotency keys from our rows); our rows change
afterwards with conditional updates, so a repeated or concurrent request changes nothing twice."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from facilities.models import Facility
from securus.errors import Refused

from . import gateway
from .models import Subscription, UnsubscribeAnswer, UnsubscribeReason

log = logging.getLogger(__name__)

# Monthly price of Unlimited (cents); the same at every facility until pricing per facility exists.
UNLIMITED_PRICE_CENTS = getattr(settings, "VIDEO_UNLIMITED_PRICE_CENTS", 2999)
OPEN = ~Q(status=Subscription.Status.ENDED)


class VideoError(Refused):
    """A subscription or visit action was refused; `message` is written for the family member."""


# ---- selectors -------------------------------------------------------------------------------------------


def open_subscriptions(*, account: Account):
    return (
        Subscription.objects.filter(OPEN, account=account)
        .select_related("facility")
        .order_by("facility__name")
    )


def owned_subscription(*, user, subscription_id: int) -> Subscription:
    """The user's own subscription, or Subscription.DoesNotExist (another person's id looks like no id)."""
    return Subscription.objects.select_related("facility", "account").get(
        pk=subscription_id, account__user=user, account__status=Account.Status.ACTIVE
    )


def is_cancellable(sub: Subscription) -> bool:
    return sub.status != Subscription.Status.ENDED and not sub.cancel_at_period_end


def is_resumable(sub: Subscription, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        sub.status != Subscription.Status.ENDED and sub.cancel_at_period_end and sub.current_period_end > now
    )


# ---- subscribe -------------------------------------------------------------------------------------------


def subscribe(*, account: Account, facility: Facility, payment_method: str, actor) -> Subscription:
    """Start Unlimited for `facility`, charged monthly on the card; one open subscription per facility."""
    if Subscription.objects.filter(OPEN, account=account, facility=facility).exists():
        raise VideoError(f"You already have VideoConnect Unlimited at {facility}.", "already_subscribed")
    key = f"video-sub-{account.pk}-{facility.pk}-{Subscription.objects.filter(account=account).count()}"
    customer = (
        Subscription.objects.filter(account=account)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    try:
        if not customer:
            email = account.user.email if account.user else ""
            customer = gateway.create_customer(
                email=email, name=account.name, payment_method=payment_method, key=key
            )
        remote = gateway.create_subscription(
            customer=customer,
            price_cents=UNLIMITED_PRICE_CENTS,
            facility_name=facility.name,
            metadata={"account": str(account.pk), "facility": str(facility.pk)},
            key=key,
        )
    except gateway.GatewayError as exc:
        raise VideoError(exc.message, exc.code) from exc
    if remote.status not in ("active", "trialing"):
        raise VideoError("Your card could not be charged, so the subscription was not started.", "not_active")
    log.info(
        "VideoConnect Unlimited %s started at %s for account %s by %s", remote.id, facility, account.pk, actor
    )
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                account=account,
                facility=facility,
                price_cents=UNLIMITED_PRICE_CENTS,
                current_period_end=remote.current_period_end,
                stripe_subscription_id=remote.id,
                stripe_customer_id=customer,
            )
    except IntegrityError:
        # A double-submitted form: the first request already recorded this Stripe subscription.
        return Subscription.objects.get(stripe_subscription_id=remote.id)


# ---- the Unsubscribe steps -------------------------------------------------------------------------------


def answer_reason(
    *, subscription: Subscription, reason: UnsubscribeReason, other_text: str = "", stayed: bool = False
) -> UnsubscribeAnswer:
    """Step 1: store why they are leaving (kept for the report whatever they decide next)."""
    other_text = other_text.strip() if reason.needs_text else ""
    if reason.needs_text and not other_text:
        raise VideoError("Please tell us your reason in a few words.", "reason_text_missing")
    now = timezone.now()
    return UnsubscribeAnswer.objects.create(
        subscription=subscription,
        facility_id=subscription.facility_id,
        reason=reason,
        other_text=other_text,
        outcome=UnsubscribeAnswer.Outcome.STAYED if stayed else UnsubscribeAnswer.Outcome.PENDING,
        created_at=now,
        decided_at=now if stayed else None,
    )


def pending_answer(*, subscription: Subscription, answer_id) -> UnsubscribeAnswer | None:
    """The undecided answer given on step 1 for this subscription, if the id is one."""
    try:
        answer_id = int(answer_id)
    except (TypeError, ValueError):
        return None
    return (
        UnsubscribeAnswer.objects.select_related("reason")
        .filter(pk=answer_id, subscription=subscription, outcome=UnsubscribeAnswer.Outcome.PENDING)
        .first()
    )


def stay_enrolled(*, answer: UnsubscribeAnswer | None) -> bool:
    """'Stay Enrolled': the answer is kept with outcome 'stayed'; the subscription is not touched."""
    if answer is None:
        return False
    return bool(
        UnsubscribeAnswer.objects.filter(pk=answer.pk, outcome=UnsubscribeAnswer.Outcome.PENDING).update(
            outcome=UnsubscribeAnswer.Outcome.STAYED, decided_at=timezone.now()
        )
    )


def complete_cancellation(*, answer: UnsubscribeAnswer) -> Subscription:
    """Step 3: the subscription ends at the end of the paid period (nothing refunded, nothing renewed)."""
    sub = answer.subscription
    if answer.outcome != UnsubscribeAnswer.Outcome.PENDING or not is_cancellable(sub):
        return sub  # already decided: a repeated POST changes nothing
    reason = answer.reason
    comment = reason.label if not answer.other_text else f"{reason.label}: {answer.other_text}"
    try:
        remote = _set_cancel(
            sub, cancel=True, feedback=reason.stripe_feedback, comment=comment, key=f"video-unsub-{answer.pk}"
        )
    except gateway.GatewayError as exc:
        raise VideoError(exc.message, exc.code) from exc
    now = timezone.now()
    with transaction.atomic():
        # The answer's conditional update is the lock: only one request records the cancellation.
        won = UnsubscribeAnswer.objects.filter(
            pk=answer.pk, outcome=UnsubscribeAnswer.Outcome.PENDING
        ).update(outcome=UnsubscribeAnswer.Outcome.CANCELED, decided_at=now)
        if won:
            Subscription.objects.filter(OPEN, pk=sub.pk, cancel_at_period_end=False).update(
                cancel_at_period_end=True,
                canceled_at=now,
                current_period_end=remote.current_period_end or sub.current_period_end,
            )
    sub.refresh_from_db()
    return sub


def _set_cancel(sub: Subscription, *, cancel: bool, key: str, feedback: str = "", comment: str = ""):
    if not sub.stripe_subscription_id:
        # Loaded from a scenario file without Stripe: only our record exists.
        return gateway.StripeSubscription(
            id="",
            customer="",
            status="active",
            current_period_end=None,
            cancel_at_period_end=cancel,
            ended_at=None,
        )
    return gateway.set_cancel_at_period_end(
        subscription_id=sub.stripe_subscription_id, cancel=cancel, key=key, feedback=feedback, comment=comment
    )


def resume(*, subscription: Subscription) -> Subscription:
    """Undo a cancellation before the period ends: it renews again as before."""
    sub = subscription
    if not is_resumable(sub):
        return sub
    try:
        remote = _set_cancel(
            sub,
            cancel=False,
            key=f"video-resume-{sub.pk}-{int(sub.canceled_at.timestamp()) if sub.canceled_at else 0}",
        )
    except gateway.GatewayError as exc:
        raise VideoError(exc.message, exc.code) from exc
    Subscription.objects.filter(OPEN, pk=sub.pk, cancel_at_period_end=True).update(
        cancel_at_period_end=False,
        canceled_at=None,
        current_period_end=remote.current_period_end or sub.current_period_end,
    )
    sub.refresh_from_db()
    return sub


# ---- Stripe webhooks (dispatched by refunds/webhooks.py after the signature and repeat checks) ----------


def _invoice_subscription_id(invoice) -> str:
    sub = invoice.get("subscription")
    if not sub:
        parent = invoice.get("parent") or {}
        sub = (parent.get("subscription_details") or {}).get("subscription")
    if isinstance(sub, dict):
        sub = sub.get("id")
    return sub or ""


def _invoice_period_end(invoice, sub_id: str) -> datetime | None:
    """End of the period the invoice paid for: its subscription line's period, else Stripe's subscription."""
    lines = (invoice.get("lines") or {}).get("data") or []
    end = max(((line.get("period") or {}).get("end") or 0 for line in lines), default=0)
    if end:
        return datetime.fromtimestamp(int(end), tz=UTC)
    # The invoice's own period_end is the previous period on a renewal: ask for the subscription instead.
    return gateway.retrieve_subscription(subscription_id=sub_id).current_period_end


def _event_object(event):
    return event["data"]["object"]


def handle_invoice_paid(event) -> None:
    """A renewal was paid: the period moves forward and a past-due subscription is active again."""
    invoice = _event_object(event)
    sub_id = _invoice_subscription_id(invoice)
    if not sub_id or not Subscription.objects.filter(OPEN, stripe_subscription_id=sub_id).exists():
        return
    end = _invoice_period_end(invoice, sub_id)  # GatewayError -> 500, and Stripe delivers it again
    if not end:
        return
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(OPEN, stripe_subscription_id=sub_id).first()
        if sub is None:
            return
        # Periods only move forward: a late, out-of-order event never shortens access.
        sub.current_period_end = max(sub.current_period_end, end)
        sub.status = Subscription.Status.ACTIVE
        sub.save(update_fields=["current_period_end", "status"])


def handle_invoice_payment_failed(event) -> None:
    sub_id = _invoice_subscription_id(_event_object(event))
    if sub_id:
        Subscription.objects.filter(stripe_subscription_id=sub_id, status=Subscription.Status.ACTIVE).update(
            status=Subscription.Status.PAST_DUE
        )


def handle_subscription_deleted(event) -> None:
    obj = _event_object(event)
    ended = obj.get("ended_at") or obj.get("canceled_at")
    end_subscription(
        stripe_subscription_id=obj["id"],
        ended_at=datetime.fromtimestamp(int(ended), tz=UTC) if ended else timezone.now(),
    )


def end_subscription(*, stripe_subscription_id: str, ended_at: datetime) -> bool:
    return bool(
        Subscription.objects.filter(OPEN, stripe_subscription_id=stripe_subscription_id).update(
            status=Subscription.Status.ENDED, ended_at=ended_at
        )
    )


# ---- reconcile (beat) ------------------------------------------------------------------------------------


@dataclass
class ReconcileResult:
    ended: int = 0
    renewed: int = 0
    past_due: int = 0
    errors: int = 0


def reconcile_expired(*, now: datetime | None = None, limit: int = 200) -> ReconcileResult:
    """Open subscriptions whose period has ended: a missed webhook must not leave one active forever.

    Cancelled at period end -> ended at that date. Otherwise Stripe is asked and its word is recorded."""
    now = now or timezone.now()
    result = ReconcileResult()
    due = list(
        Subscription.objects.filter(OPEN, current_period_end__lte=now)  # subscription_due_idx
        .order_by("current_period_end")
        .values_list("pk", "cancel_at_period_end", "stripe_subscription_id", "current_period_end")[:limit]
    )
    for pk, canceled, stripe_id, period_end in due:
        if canceled or not stripe_id:
            result.ended += Subscription.objects.filter(OPEN, pk=pk, current_period_end__lte=now).update(
                status=Subscription.Status.ENDED, ended_at=period_end
            )
            continue
        try:
            remote = gateway.retrieve_subscription(subscription_id=stripe_id)
        except gateway.GatewayError:
            log.warning("reconcile: Stripe unreachable for subscription %s", pk)
            result.errors += 1
            continue
        if remote.status in ("canceled", "incomplete_expired"):
            result.ended += Subscription.objects.filter(OPEN, pk=pk).update(
                status=Subscription.Status.ENDED, ended_at=remote.ended_at or period_end
            )
        elif remote.status in ("past_due", "unpaid"):
            result.past_due += Subscription.objects.filter(pk=pk, status=Subscription.Status.ACTIVE).update(
                status=Subscription.Status.PAST_DUE
            )
        elif remote.current_period_end and remote.current_period_end > period_end:
            result.renewed += Subscription.objects.filter(OPEN, pk=pk, current_period_end=period_end).update(
                current_period_end=remote.current_period_end, status=Subscription.Status.ACTIVE
            )
    return result


def stop_renewal_at_stripe(*, subscription_id: int) -> bool:
    """After deletion ended our record, make Stripe stop charging the card. Safe to repeat."""
    sub = Subscription.objects.filter(pk=subscription_id, stripe_stop_pending=True).first()
    if sub is None:
        return False
    gateway.cancel_subscription_now(
        subscription_id=sub.stripe_subscription_id, key=f"video-sub-{sub.pk}-cancel-at-deletion"
    )
    Subscription.objects.filter(pk=sub.pk).update(stripe_stop_pending=False)
    return True


def stop_pending_renewals(*, limit: int = 200) -> int:
    """Retry the Stripe cancellations of deleted accounts that no task has confirmed (broker down at
    commit, Stripe unreachable): a deleted account's card must never be charged again."""
    stopped = 0
    for pk in (
        Subscription.objects.filter(stripe_stop_pending=True)
        .order_by("ended_at")
        .values_list("pk", flat=True)[:limit]
    ):
        try:
            stopped += stop_renewal_at_stripe(subscription_id=pk)
        except gateway.GatewayError:
            log.warning("Stripe unreachable while stopping renewals of subscription %s", pk)
    return stopped
