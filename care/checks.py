"""Operations on mailed checks, by a named person: mark a check returned by USPS, correct the address of a
check not yet printed, reissue a returned or voided check. Each writes a refund timeline event and one
audit row in the same transaction, and does nothing (no second row) when repeated."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.addresses import ADDRESS_FIELDS, normalize_address
from audit.models import AuditEvent
from audit.services import record
from refunds.issuing import replacement_check_refund
from refunds.models import Check, Refund, RefundEvent
from securus.errors import Refused


class CheckCareError(Refused):
    """A check action was refused; `message` is written for the agent."""


def _locked(check_id: int) -> Check:
    return Check.objects.select_for_update(of=("self",)).select_related("refund").get(pk=check_id)


def _audit(check: Check, *, actor, action, channel, call_reference, details, now):
    record(
        actor=actor,
        action=action,
        obj=check,
        channel=channel,
        call_reference=call_reference,
        account=check.refund.account if check.refund.account_id else None,
        details=details,
        at=now,
    )


def mark_returned(
    *, check: Check, actor, note: str = "", channel: str = "admin", call_reference: str = "", now=None
) -> Check:
    """USPS brought a mailed check back (bad address, unclaimed). It can then be reissued."""
    now = now or timezone.now()
    with transaction.atomic():
        check = _locked(check.pk)
        if check.status == Check.Status.RETURNED:
            return check
        if check.status != Check.Status.MAILED:
            raise CheckCareError(
                f"Only a mailed check can come back from USPS; this one is {check.get_status_display().lower()}.",
                code="not_mailed",
            )
        check.status = Check.Status.RETURNED
        check.save(update_fields=["status"])
        Refund.objects.filter(pk=check.refund_id).update(status=Refund.Status.CHECK_RETURNED, updated_at=now)
        RefundEvent.objects.create(
            refund_id=check.refund_id,
            status=Refund.Status.CHECK_RETURNED,
            at=now,
            note=f"Check no. {check.check_number} came back from USPS. Contact customer care to have it sent again.",
        )
        _audit(
            check,
            actor=actor,
            action=AuditEvent.Action.CHECK_RETURNED,
            channel=channel,
            call_reference=call_reference,
            details={"check_number": check.check_number, "note": note[:200]},
            now=now,
        )
    return check


def update_check_address(
    *, check: Check, actor, channel: str = "admin", call_reference: str = "", now=None, **fields
) -> Check:
    """Correct the address of a check that is not printed yet (USPS-normalised). A printed check's address
    is what the bank and USPS have: change it by reissuing instead."""
    now = now or timezone.now()
    clean = normalize_address(**{name: fields.get(name, "") for name in ADDRESS_FIELDS})
    with transaction.atomic():
        check = _locked(check.pk)
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
        _audit(
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
    with transaction.atomic():
        check = _locked(check.pk)
        existing = Check.objects.filter(reissue_of=check).first()
        if existing is not None:
            return existing
        if check.status not in (Check.Status.RETURNED, Check.Status.VOIDED):
            raise CheckCareError(
                "Only a check returned by USPS or voided can be reissued.", code="not_reissuable"
            )
        old = Refund.objects.select_for_update().get(pk=check.refund_id)
        new_refund = replacement_check_refund(replacing=old, key_suffix="reissue", now=now)
        address = clean.as_fields() if clean else {name: getattr(check, name) for name in ADDRESS_FIELDS}
        new_check = Check.objects.create(
            refund=new_refund, amount_cents=check.amount_cents, payee=check.payee, reissue_of=check, **address
        )
        old.status = Refund.Status.REPLACED
        old.replaced_by = new_refund
        old.updated_at = now
        old.save(update_fields=["status", "replaced_by", "updated_at"])
        RefundEvent.objects.create(
            refund=old, status=Refund.Status.REPLACED, at=now, note="Replaced by a new check."
        )
        RefundEvent.objects.create(
            refund=new_refund,
            status=Refund.Status.CHECK_QUEUED,
            at=now,
            note=f"Reissue of check no. {check.check_number}, to {new_check.city}, {new_check.state}.",
        )
        _audit(
            check,
            actor=actor,
            action=AuditEvent.Action.CHECK_REISSUED,
            channel=channel,
            call_reference=call_reference,
            details={
                "check_number": check.check_number,
                "new_check_id": new_check.pk,
                "new_address": bool(clean),
            },
            now=now,
        )
    return new_check
