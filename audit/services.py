"""Writing the audit trail. Called inside the service's own transaction, so the row exists exactly when
the change does."""

import logging

from django.utils import timezone

from .models import AuditEvent

log = logging.getLogger(__name__)


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
) -> AuditEvent:
    event = AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", "") or "") if actor is not None else "",
        action=action,
        channel=channel,
        call_reference=call_reference,
        account=account,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        details=details or {},
    )
    log.info(
        "audit: %s on %s %s by %s via %s",
        action,
        event.object_type,
        event.object_id,
        event.actor_label or "system",
        channel,
    )
    return event
