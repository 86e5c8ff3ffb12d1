"""Operations on mailed checks, by a named person: mark a check returned by USPS, correct the address of a
check not yet printed, reissue a returned or voided check. Each writes a refund timeline event and one
audit row in the same transaction, and does nothing (no second row) when repeated."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS, normalize_address
from audit.models import AuditEvent
from refunds import transitions
from refunds.models import Check, RefundEvent
from refunds.transitions import audit_check, locked_check

# A check action was refused; `message` is written for the agent.
CheckCareError = transitions.CheckRefused


def mark_returned(
    *, check: Check, actor, note: str = "", channel: str = "admin", call_reference: str = "", now=None
) -> Check:
    """USPS brought a mailed check back (bad address, unclaimed). It can then be reissued."""
    return transitions.mark_returned(
        check=check,
        actor=actor,
        note=note,
        channel=channel,
        call_reference=call_reference,
        now=now or timezone.now(),
    )


def update_check_address(
    *, check: Check, actor, channel: str = "admin", call_reference: str = "", now=None, **fields
) -> Check:
    """Correct the address of a check that is not printed yet (USPS-normalised). A printed check's address
    is what the bank and USPS have: change it by reissuing instead."""
    now = now or timezone.now()
    clean = normalize_address(**{name: fields.get(name, "") for name in ADDRESS_FIELDS})
    with transaction.atomic():
        check = locked_check(check.pk)
        if check.status != Check.Status.QUEUED or check.check_number is not None:
            raise CheckCareError(
                "This check is already printed: reissue it to send it to a new address.", code="printed"
            )
        changed = [n for n, v in clean.as_fields().items() if getattr(check, n) != v]
        if not changed:
            return check
        for name, value in clean.as_fields().items():
            setattr(check, name, value)
        check.save(update_fields=list(ADDRESS_FIELDS))
        RefundEvent.objects.create(
            refund_id=check.refund_id,
            status=check.refund.status,
            at=now,
            note=f"Mailing address corrected to {check.city}, {check.state}.",
        )
        audit_check(
            check,
            actor=actor,
            action=AuditEvent.Action.CHECK_ADDRESS_UPDATED,
            channel=channel,
            call_reference=call_reference,
            details={"changed": changed},
            now=now,
        )
    return check


def reissue_check(
    *, check: Check, actor, channel: str = "admin", call_reference: str = "", now=None, **fields
) -> Check:
    """A returned or voided check becomes a new check for the same amount and payee, queued for the next
    check run, to the address given (or the same one). The old refund is marked replaced by the new one,
    so the money is owed once. Reissuing twice returns the first reissue."""
    now = now or timezone.now()
    given = any((fields.get(name) or "").strip() for name in ADDRESS_FIELDS)
    clean = normalize_address(**{name: fields.get(name, "") for name in ADDRESS_FIELDS}) if given else None
    return transitions.reissue(
        check=check,
        address=clean.as_fields() if clean else None,
        actor=actor,
        channel=channel,
        call_reference=call_reference,
        now=now,
    )
