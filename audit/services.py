"""Writing the audit trail. Called inside the service's own transaction, so the row exists exactly when
the change does."""

import logging

from django.utils import timezone

from .models import AuditEvent

log = logging.getLogger(__name__)


def actor_label(actor) -> str:
    """Who acted, as the trail keeps it: a staff member by their sign-in, a family member only as "the
    account holder" (the account is on the row), so the trail never keeps a deleted person's email."""
    if actor is None or not getattr(actor, "pk", None):
        return ""
    if getattr(actor, "is_staff", False):
        return actor.email
    return "account holder"


def record(
    *,
    actor,
    action: str,
    obj,
    channel: str,
    call_reference: str = "",
    account=None,
    details: dict | None = None,
    at=None,
    object_repr: str = "",
) -> AuditEvent:
    event = AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        channel=channel,
        call_reference=call_reference,
        account=account,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=(object_repr or str(obj))[:200],
        details=details or {},
    )
    log.info(
        "audit: %s on %s %s by %s via %s",
        action,
        event.object_type,
        event.object_id,
        f"user {event.actor_id}" if event.actor_id else "system",
        channel,
    )
    return event
