"""Closing Direct Bill accounts after the hold, in bounded set-based batches."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record as audit_record
from refunds.retention import DIRECTBILL, release_contact
from securus.money import dollars

from .models import Charge, ClosureRequest, DirectBillAccount, Statement

log = logging.getLogger(__name__)

FINAL_STATEMENT_DUE_DAYS = 20


def overdue_closures(*, today: date):
    """Requests still held after their close-by date: the overdue report and the stuck-work page."""
    return ClosureRequest.objects.filter(status=ClosureRequest.Status.HELD, close_by__lt=today)


def report_overdue_closures(*, today: date | None = None) -> list[int]:
    """Requests still held after their close-by date: logged once each, for operations to look at."""
    today = today or timezone.localdate()
    ids = list(
        overdue_closures(today=today).filter(overdue_reported_at__isnull=True).values_list("pk", flat=True)
    )
    if ids:
        ClosureRequest.objects.filter(pk__in=ids, overdue_reported_at__isnull=True).update(
            overdue_reported_at=timezone.now()
        )
        log.error("Direct Bill closures still held after their close-by date: %s", ids)
    return ids


def close_due_accounts(*, today: date | None = None, limit: int = 200) -> list[int]:
    """Close one batch of held requests whose hold has passed. Outstanding money (unbilled charges, and
    billed charges still unpaid) goes on a final statement dated today, due 20 days later, emailed;
    nothing outstanding closes the account with no statement. Returns the closed request ids."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        requests = list(
            ClosureRequest.objects.filter(status=ClosureRequest.Status.HELD, close_after__lte=today)
            .order_by("close_after", "pk")
            .select_for_update(skip_locked=True)[:limit]
        )
        if not requests:
            return []
        account_ids = [r.directbill_account_id for r in requests]
        unbilled = defaultdict(list)
        outstanding = defaultdict(int)
        for charge_id, account_id, amount, statement_id in Charge.objects.filter(
            directbill_account_id__in=account_ids, paid=False
        ).values_list("pk", "directbill_account_id", "amount_cents", "statement_id"):
            outstanding[account_id] += amount
            if statement_id is None:
                unbilled[account_id].append(charge_id)
        statements = Statement.objects.bulk_create(
            Statement(
                directbill_account_id=account_id,
                statement_date=today,
                due_date=today + timedelta(days=FINAL_STATEMENT_DUE_DAYS),
                total_cents=outstanding[account_id],
                is_final=True,
            )
            for account_id in account_ids
            if outstanding[account_id] > 0
        )
        final_of = Statement.objects.filter(directbill_account=OuterRef("directbill_account"), is_final=True)
        charge_ids = [c for ids in unbilled.values() for c in ids]
        Charge.objects.filter(pk__in=charge_ids, statement__isnull=True).update(
            statement=Subquery(final_of.values("pk")[:1])
        )
        request_ids = [r.pk for r in requests]
        ClosureRequest.objects.filter(pk__in=request_ids).update(
            status=ClosureRequest.Status.CLOSED,
            closed_at=now,
            final_statement=Subquery(final_of.values("pk")[:1]),
        )
        DirectBillAccount.objects.filter(pk__in=account_ids).update(
            status=DirectBillAccount.Status.CLOSED, closed_at=now
        )
        for statement in statements:
            transaction.on_commit(lambda s=statement.pk: email_final_statement(statement_id=s))
        # Closed with nothing due: nothing more will be sent, so the contact email is not needed for it.
        with_statement = {s.directbill_account_id for s in statements}
        for request in requests:
            if request.directbill_account_id not in with_statement:
                release_contact(deletion_id=request.deletion_id, purpose=DIRECTBILL)
    log.info("Direct Bill: closed %d accounts, %d final statements", len(requests), len(statements))
    return request_ids


def end_hold_early(*, closure_ids, actor, reason: str, today: date | None = None) -> list[int]:
    """Operations end the hold of held closures today: the next run of the closing job closes them, with
    every charge known by then on the final statement. One audit row each. Returns the ids changed;
    closures already closed or already due are left alone."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Say why the hold ends early (for the audit trail).")
    today = today or timezone.localdate()
    changed = []
    with transaction.atomic():
        for closure in (
            ClosureRequest.objects.select_for_update()
            .select_related("directbill_account")
            .filter(pk__in=closure_ids, status=ClosureRequest.Status.HELD, close_after__gt=today)
        ):
            before = closure.close_after
            closure.close_after = today
            closure.save(update_fields=["close_after"])
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CLOSURE_HOLD_ENDED,
                obj=closure,
                channel=AuditEvent.Channel.ADMIN,
                account=closure.directbill_account.account,
                details={"close_after_was": before.isoformat(), "reason": reason[:200]},
            )
            changed.append(closure.pk)
    return changed


def email_final_statement(*, statement_id: int) -> None:
    """Email once (emailed_at is the claim); no contact email left means nothing to send."""
    statement = Statement.objects.select_related("directbill_account").get(pk=statement_id)
    request = ClosureRequest.objects.select_related("deletion").filter(final_statement=statement).first()
    email = request.deletion.contact_email if request and request.deletion else ""
    if not email:
        log.warning("final statement %s: no contact email to send it to", statement_id)
        return
    if not Statement.objects.filter(pk=statement_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        return
    # The final statement is the last thing Direct Bill sends: its hold on the contact email ends.
    release_contact(deletion_id=request.deletion_id, purpose=DIRECTBILL)
    body = "\n\n".join(
        [
            "Hello,",
            f"Your Direct Bill account is now closed. Calls and charges that came in during the closing period "
            f"add up to {dollars(statement.total_cents)}.",
            f"Statement date: {statement.statement_date:%B %-d, %Y}. Please pay by {statement.due_date:%B %-d, %Y}.",
            "This is the last statement for this account.",
            "Securus Online",
        ]
    )
    send_mail("Your final Direct Bill statement", body, None, [email])
