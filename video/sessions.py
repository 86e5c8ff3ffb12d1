"""Scheduled VideoConnect sessions: the account page lists them and the family member may cancel one."""

from django.utils import timezone

from accounts.models import Account

from .models import Session


def upcoming_sessions(*, account: Account, now=None):
    now = now or timezone.now()
    return (
        Session.objects.filter(account=account, status=Session.Status.SCHEDULED, scheduled_at__gt=now)
        .select_related("facility", "inmate")  # session_upcoming_idx
        .order_by("scheduled_at")
    )


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
