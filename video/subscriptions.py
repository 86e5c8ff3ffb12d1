"""VideoConnect Unlimited: subscribe, the Unsubscribe answers, cancel at period end, resume, webhooks, reconcile.

Stripe is called outside any database transaction (with idempotency keys from our rows); our rows change
afterwards with conditional updates, so a repeated or concurrent request changes nothing twice."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts.models import Account
from facilities.models import Facility
from securus.compiled import JSONList, json_datetime
from securus.errors import Refused

from . import gateway
from .models import StripeProduct, SubscribeAttempt, Subscription, UnsubscribeAnswer, UnsubscribeReason

log = logging.getLogger(__name__)

# Monthly price of Unlimited (cents); the same at every facility until pricing per facility exists.
UNLIMITED_PRICE_CENTS = getattr(settings, "VIDEO_UNLIMITED_PRICE_CENTS", 2999)
OPEN = ~Q(status=Subscription.Status.ENDED)
# A Subscribe press with no outcome after this long died: it no longer blocks a new one.
ATTEMPT_STALE_AFTER = timedelta(minutes=10)


class VideoError(Refused):
    """A subscription or visit action was refused; `message` is written for the family member."""


# ---- selectors -------------------------------------------------------------------------------------------


def open_subscriptions(*, account: Account):
    return (
        Subscription.objects.filter(OPEN, account=account)
        .select_related("facility")
        .order_by("facility__name")
    )


def listed_list(account) -> JSONList:
    """The open subscriptions of `account` (an OuterRef, for the account page's one statement) with the
    fields the page shows and the predicates below read, as a JSON list; listed_from_list() reads it."""
    return JSONList(
        Subscription.objects.filter(OPEN, account=account).values(
            item=JSONObject(
                id="id",
                status="status",
                price_cents="price_cents",
                current_period_end="current_period_end",
                cancel_at_period_end="cancel_at_period_end",
                facility_name="facility__name",
            )
        )
    )


# In the model's field order, as Model.from_db() takes them.
_LISTED = [
    f.attname
    for f in Subscription._meta.concrete_fields
    if f.attname in ("id", "status", "price_cents", "current_period_end", "cancel_at_period_end")
]


def listed_from_list(items: list[dict]) -> list[tuple[Subscription, str]]:
    """The subscriptions of listed_list() by facility: (subscription, facility name), each subscription
    loaded with the listed fields only (another field would be read from the database)."""
    listed = []
    for item in sorted(items, key=lambda item: (item["facility_name"], item["id"])):
        item = {
            **item,
            "current_period_end": json_datetime(item["current_period_end"]),
            "cancel_at_period_end": bool(item["cancel_at_period_end"]),  # SQLite writes 0 and 1
        }
        sub = Subscription.from_db(DEFAULT_DB_ALIAS, _LISTED, [item[name] for name in _LISTED])
        listed.append((sub, item["facility_name"]))
    return listed


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
    """Start Unlimited for `facility`, charged monthly on the card; one open subscription per facility.

    Each press is a SubscribeAttempt with its own idempotency key: after a declined card the family can
    try another card (Stripe would replay the decline for the same key). A second press while the first
    is still running is refused by the attempt's unique constraint; one that died (no answer for
    ATTEMPT_STALE_AFTER) no longer blocks, and what it may have made at Stripe is adopted, not made twice."""
    if Subscription.objects.filter(OPEN, account=account, facility=facility).exists():
        raise VideoError(f"You already have VideoConnect Unlimited at {facility}.", "already_subscribed")
    SubscribeAttempt.objects.filter(
        account=account,
        facility=facility,
        outcome=SubscribeAttempt.Outcome.STARTED,
        created_at__lt=timezone.now() - ATTEMPT_STALE_AFTER,
    ).update(outcome=SubscribeAttempt.Outcome.FAILED, error_code="abandoned")
    try:
        with transaction.atomic():
            attempt = SubscribeAttempt.objects.create(account=account, facility=facility)
    except IntegrityError:
        raise VideoError(
            "Your subscription is already being started. Please wait a moment and reload the page.",
            "subscribe_running",
        ) from None
    key = attempt.idempotency_key
    customer = _known_customer(account)
    try:
        product = facility_product(facility)
        card = gateway.card_payment_method(payment_method=payment_method, key=key)
        if not customer:
            email = account.user.email if account.user else ""
            customer = gateway.create_customer(email=email, name=account.name, key=key)
        SubscribeAttempt.objects.filter(pk=attempt.pk).update(stripe_customer_id=customer)
        remote = gateway.live_subscription_for(customer=customer, facility_id=facility.pk)
        if remote is None:
            gateway.set_default_card(customer=customer, payment_method=card, key=key)
            remote = gateway.create_subscription(
                customer=customer,
                product=product,
                price_cents=UNLIMITED_PRICE_CENTS,
                metadata={"account": str(account.pk), "facility": str(facility.pk)},
                key=key,
            )
    except gateway.StripeFailure as exc:
        SubscribeAttempt.objects.filter(pk=attempt.pk).update(
            outcome=SubscribeAttempt.Outcome.FAILED, error_code=exc.code[:64]
        )
        if isinstance(exc, gateway.NeedsAttention):
            log.error("subscribe attempt %s: Stripe refused our request: %s", attempt.pk, exc.code)
        raise VideoError(exc.message, exc.code) from exc
    if remote.status not in ("active", "trialing"):
        SubscribeAttempt.objects.filter(pk=attempt.pk).update(
            outcome=SubscribeAttempt.Outcome.FAILED,
            error_code=remote.status,
            stripe_subscription_id=remote.id,
        )
        raise VideoError("Your card could not be charged, so the subscription was not started.", "not_active")
    log.info(
        "VideoConnect Unlimited %s started at %s for account %s by %s", remote.id, facility, account.pk, actor
    )
    with transaction.atomic():
        SubscribeAttempt.objects.filter(pk=attempt.pk).update(
            outcome=SubscribeAttempt.Outcome.SUBSCRIBED, stripe_subscription_id=remote.id
        )
        sub, _ = Subscription.objects.get_or_create(
            stripe_subscription_id=remote.id,
            defaults={
                "account": account,
                "facility": facility,
                "price_cents": UNLIMITED_PRICE_CENTS,
                "current_period_end": remote.current_period_end,
                "stripe_customer_id": customer,
            },
        )
    return sub


def _known_customer(account: Account) -> str:
    """The account's Stripe customer from an earlier subscription or attempt, if any."""
    for model in (Subscription, SubscribeAttempt):
        found = (
            model.objects.filter(account=account)
            .exclude(stripe_customer_id="")
            .order_by("-pk")
            .values_list("stripe_customer_id", flat=True)
            .first()
        )
        if found:
            return found
    return ""


def facility_product(facility: Facility) -> str:
    """The facility's Stripe Product, created through the API the first time anyone subscribes there."""
    known = (
        StripeProduct.objects.filter(facility=facility).values_list("stripe_product_id", flat=True).first()
    )
    if known:
        return known
    product_id = gateway.create_product(
        name=f"VideoConnect Unlimited – {facility.name}", facility_id=facility.pk
    )
    row, _ = StripeProduct.objects.get_or_create(
        facility=facility, defaults={"stripe_product_id": product_id}
    )
    return row.stripe_product_id


def place_at_stripe(*, subscription: Subscription) -> bool:
    """Give an open subscription loaded without Stripe (demo and scenario files) a real one at Stripe:
    customer, card, the facility's product, and a first period ending when ours does, free (it was paid
    for before). One that Stripe already has is left alone. Returns whether one was created."""
    sub = subscription
    if sub.status == Subscription.Status.ENDED:
        return False
    if sub.stripe_subscription_id:
        try:
            gateway.retrieve_subscription(subscription_id=sub.stripe_subscription_id)
            return False
        except gateway.NotFound:
            pass
    key = f"video-place-{sub.pk}-{sub.stripe_subscription_id}"
    account = sub.account
    customer = gateway.create_customer(
        email=account.user.email if account.user else "", name=account.name, key=key
    )
    card = gateway.card_payment_method(payment_method="tok_visa", key=key)
    gateway.set_default_card(customer=customer, payment_method=card, key=key)
    remote = gateway.create_subscription(
        customer=customer,
        product=facility_product(sub.facility),
        price_cents=sub.price_cents,
        metadata={"account": str(account.pk), "facility": str(sub.facility_id)},
        key=key,
        first_period_end=sub.current_period_end,
    )
    if sub.cancel_at_period_end:
        gateway.set_cancel_at_period_end(subscription_id=remote.id, cancel=True, key=f"{key}-cancel")
    Subscription.objects.filter(pk=sub.pk).update(
        stripe_subscription_id=remote.id, stripe_customer_id=customer
    )
    return True


# ---- the Unsubscribe steps -------------------------------------------------------------------------------


def answer_reason(
    *, subscription: Subscription, reason: UnsubscribeReason, other_text: str = "", stayed: bool = False
) -> UnsubscribeAnswer:
    """Step 1: store why they are leaving (kept for the report whatever they decide next)."""
    other_text = other_text.strip() if reason.needs_text else ""
    if reason.needs_text and not other_text:
        raise VideoError("Please tell us your reason in a few words.", "reason_text_missing")
    limit = UnsubscribeAnswer._meta.get_field("other_text").max_length
    if len(other_text) > limit:
        raise VideoError(
            f"Please keep your reason to at most {limit} characters (it has {len(other_text)}).",
            "reason_text_too_long",
        )
    if "\x00" in other_text:
        raise VideoError(
            "Your reason contains characters that cannot be stored. Please type it again.",
            "reason_text_invalid",
        )
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
    except gateway.StripeFailure as exc:
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
    except gateway.StripeFailure as exc:
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
    end = _invoice_period_end(invoice, sub_id)  # StripeFailure -> 500, and Stripe delivers it again
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


def handle_subscription_updated(event) -> None:
    """A change made at Stripe (support in the dashboard, a failed renewal, a resumed plan) shows here at
    once: status, cancellation at period end and the period. Periods only move forward."""
    remote = gateway.wrap_event_object(_event_object(event))
    status = {"active": Subscription.Status.ACTIVE, "trialing": Subscription.Status.ACTIVE}.get(
        remote.status, Subscription.Status.PAST_DUE if remote.status in ("past_due", "unpaid") else None
    )
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(OPEN, stripe_subscription_id=remote.id).first()
        if sub is None:
            return
        if status is not None:
            sub.status = status
        if remote.cancel_at_period_end != sub.cancel_at_period_end:
            sub.cancel_at_period_end = remote.cancel_at_period_end
            sub.canceled_at = timezone.now() if remote.cancel_at_period_end else None
        if remote.current_period_end:
            sub.current_period_end = max(sub.current_period_end, remote.current_period_end)
        sub.save(update_fields=["status", "cancel_at_period_end", "canceled_at", "current_period_end"])


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
        except gateway.NotFound:
            # Stripe has no such subscription (deleted there): nothing renews it, so it ends with its period.
            log.warning("reconcile: Stripe has no subscription %s (ours %s); ended", stripe_id, pk)
            result.ended += Subscription.objects.filter(OPEN, pk=pk).update(
                status=Subscription.Status.ENDED, ended_at=period_end
            )
            continue
        except gateway.StripeFailure as exc:
            log.warning("reconcile: subscription %s: %s", pk, exc.code)
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
    if sub.stripe_subscription_id:
        # None back means Stripe no longer has it: nothing is left to charge the card.
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
        except gateway.StripeFailure as exc:
            log.warning("stopping renewals of subscription %s at Stripe: %s", pk, exc.code)
    return stopped
