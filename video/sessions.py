"""Scheduled VideoConnect sessions: the account page lists them and the family member may cancel one."""

from django.db.models import Count, Window
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts.models import Account
from securus.compiled import JSONList, json_datetime

from .models import Session

UPCOMING_SHOWN = 20  # the next visits My Account lists; the rest are counted


def upcoming_list(account, now) -> JSONList:
    """The next UPCOMING_SHOWN scheduled sessions of `account` (an OuterRef, for the account page's one
    statement), as a JSON list; upcoming_from_list() reads it."""
    return JSONList(
        Session.objects.filter(account=account, status=Session.Status.SCHEDULED, scheduled_at__gt=now)
        .order_by("scheduled_at")  # session_upcoming_idx
        .values(
            item=JSONObject(
                pk="pk",
                scheduled_at="scheduled_at",
                price_cents="price_cents",
                inmate_name="inmate__name",
                facility_name="facility__name",
                # How many are scheduled in all, in the same query.
                total=Window(Count("pk")),
            )
        )[:UPCOMING_SHOWN]
    )


def upcoming_from_list(items: list[dict]) -> tuple[list[dict], int]:
    """The sessions of upcoming_list(), soonest first (dicts of pk, scheduled_at, price_cents, inmate_name,
    facility_name), and how many more are scheduled after them."""
    rows = sorted(
        ({**item, "scheduled_at": json_datetime(item["scheduled_at"])} for item in items),
        key=lambda row: (row["scheduled_at"], row["pk"]),
    )
    return rows, (rows[0]["total"] - len(rows) if rows else 0)


def owned_session(*, user, session_id: int) -> Session:
    """The user's own session, or Session.DoesNotExist (another person's id looks like no id)."""
    return Session.objects.select_related("facility", "inmate").get(
        pk=session_id, account__user=user, account__status=Account.Status.ACTIVE
    )


def cancel_session(*, session: Session, now=None) -> bool:
    """Cancel a scheduled session that has not started. No refund. False when there was nothing to cancel."""
    now = now or timezone.now()
    # Conditional update: a repeated POST, or one after the start time, changes nothing.
    changed = Session.objects.filter(
        pk=session.pk, status=Session.Status.SCHEDULED, scheduled_at__gt=now
    ).update(status=Session.Status.CANCELED, status_changed_at=now)
    session.refresh_from_db()
    return bool(changed)
