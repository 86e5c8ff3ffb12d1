""" "Keep my account": the holder expressing interest restarts the inactivity clock. From the signed link in
the notice email, or recorded by an agent on a call (audited)."""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from prepaid.models import PrepaidAccount
from securus.errors import Refused

from .models import KeepRequest

_SALT = "inactivity.keep"


class KeepError(Refused):
    """Keeping the account was refused; `message` is written for the holder or agent."""


def keep_token(prepaid_id: int) -> str:
    return signing.dumps({"p": prepaid_id}, salt=_SALT, compress=True)


def prepaid_id_from_token(token: str) -> int | None:
    """The account id, or None for a forged, altered or malformed token."""
    try:
        return int(signing.loads(token, salt=_SALT)["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def keep_url(prepaid_id: int, *, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("inactivity:keep", args=[keep_token(prepaid_id)])


def keep_account(
    *, prepaid: PrepaidAccount, channel: str, actor=None, call_reference: str = "", now=None
) -> KeepRequest:
    """Record that the holder wants to keep the account. Refused once the account is closed: the balance
    has gone back to them by then."""
    now = now or timezone.now()
    if channel == KeepRequest.Channel.PHONE and not call_reference.strip():
        raise KeepError(
            "Enter the call reference of the call on which the holder asked.", code="no_reference"
        )
    with transaction.atomic():
        prepaid = PrepaidAccount.objects.select_for_update().select_related("account").get(pk=prepaid.pk)
        if prepaid.status != PrepaidAccount.Status.OPEN:
            raise KeepError(
                "This AdvanceConnect account is already closed; its balance was refunded.", code="closed"
            )
        keep = KeepRequest.objects.create(
            prepaid_account=prepaid,
            at=now,
            channel=channel,
            actor=actor if getattr(actor, "pk", None) else None,
            call_reference=call_reference.strip(),
        )
        if channel == KeepRequest.Channel.PHONE:
            record(
                actor=actor,
                action=AuditEvent.Action.INACTIVITY_KEEP,
                obj=prepaid,
                channel=AuditEvent.Channel.PHONE,
                call_reference=keep.call_reference,
                account=prepaid.account,
                details={"keep_request_id": keep.pk},
                at=now,
            )
    return keep
