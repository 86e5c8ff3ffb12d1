"""Stuck work: what should have moved on by now, for operations. Each list is bounded and comes with its
total, so the page stays fast however much is stuck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from directbill.services import overdue_closures as held_past_close_by
from refunds.transitions import queued_checks, unsent_card_refunds
from securus.calendar import is_business_day
from video.models import Subscription

LIMIT = 100
REFUND_PENDING_AFTER = timedelta(days=1)
CHECK_PRINT_BUSINESS_DAYS = 2


@dataclass(frozen=True)
class StuckList:
    key: str
    title: str
    rule: str
    total: int
    rows: list


def business_days_back(today: date, count: int) -> date:
    """The latest day D with add_business_days(D, count) <= today, i.e. `count` business days before."""
    day, left = today, count
    while left:
        day -= timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


def stuck_refunds(now: datetime):
    # Never reached Stripe, or claimed by a worker that died before recording Stripe's answer.
    return unsent_card_refunds().filter(created_at__lt=now - REFUND_PENDING_AFTER).order_by("created_at")


def unprinted_checks(now: datetime):
    today = timezone.localdate(now)
    cutoff = business_days_back(today, CHECK_PRINT_BUSINESS_DAYS)
    start_of_cutoff = timezone.make_aware(datetime.combine(cutoff, datetime.min.time()))
    return queued_checks().filter(created_at__lt=start_of_cutoff).order_by("created_at")


def overdue_closures(now: datetime):
    return held_past_close_by(today=timezone.localdate(now)).order_by("close_by")


def expired_subscriptions(now: datetime):
    return (
        Subscription.objects.exclude(status=Subscription.Status.ENDED)
        .filter(current_period_end__lt=now)
        .order_by("current_period_end")
    )


def stuck_work(*, now: datetime | None = None) -> list[StuckList]:
    now = now or timezone.now()
    lists = [
        (
            "refunds",
            "Card refunds pending over a day",
            "Not sent to Stripe, or sent without an answer recorded, 24 hours after they were created.",
            stuck_refunds(now).select_related("account"),
        ),
        (
            "checks",
            "Checks not printed after two business days",
            "Queued before the start of the day two business days ago (missing address, or check runs not running).",
            unprinted_checks(now),
        ),
        (
            "closures",
            "Direct Bill closures past 10 days",
            "Still held after their close-by date.",
            overdue_closures(now).select_related("directbill_account__account"),
        ),
        (
            "subscriptions",
            "Subscriptions past their period end",
            "Not ended although the paid period is over (missed webhook or reconcile job not running).",
            expired_subscriptions(now).select_related("account", "facility"),
        ),
    ]
    return [
        StuckList(key=key, title=title, rule=rule, total=qs.count(), rows=list(qs[:LIMIT]))
        for key, title, rule, qs in lists
    ]
