"""Closing Direct Bill accounts after the hold, in bounded set-based batches."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record as audit_record
from refunds.retention import DIRECTBILL, release_contacts
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


def close_due_accounts(*, today: date | None = None, limit: int = 2000) -> list[int]:
    """Close one batch of held requests whose hold has passed. Outstanding money (unbilled charges, and
    billed charges still unpaid) goes on a final statement dated today, due 20 days later; nothing
    outstanding closes the account with no statement. The statements are emailed afterwards by
    `email_final_statements`. Returns the closed request ids."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = today + timedelta(days=FINAL_STATEMENT_DUE_DAYS)
    if connection.vendor == "postgresql":
        closed = _close_batch_in_one_statement(today=today, due=due, now=now, limit=limit)
    else:
        closed = _close_batch(today=today, due=due, now=now, limit=limit)
    if closed:
        log.info("Direct Bill: closed %d accounts", len(closed))
        # Closed with nothing due: nothing more will be sent, so the contact email is not needed for it.
        release_contacts(
            deletion_ids=[deletion_id for _, deletion_id, billed in closed if deletion_id and not billed],
            purpose=DIRECTBILL,
        )
    return sorted(request_id for request_id, _, _ in closed)


# One statement, so the batch costs the same few round trips however large it is: claim the due requests
# (skipping rows another run holds; closure_due_idx gives them in order, so a batch reads only its own
# rows), sum what each account owes, write the final statements, bill the unbilled charges onto them,
# close the accounts and the requests. The charges and accounts are reached by their ids (index scans),
# not by joining whole tables. Returns (request id, deletion id, final statement written) per request.
_CLOSE_SQL = """
WITH claimed AS (
    SELECT id, directbill_account_id FROM {request}
     WHERE status = 'held' AND close_after <= %(today)s
     ORDER BY close_after, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
), owed AS (
    SELECT c.directbill_account_id, SUM(c.amount_cents) AS total
      FROM {charge} c
     WHERE c.directbill_account_id = ANY(ARRAY(SELECT directbill_account_id FROM claimed)) AND NOT c.paid
     GROUP BY c.directbill_account_id
), final AS (
    INSERT INTO {statement} (directbill_account_id, statement_date, due_date, total_cents, is_final)
    SELECT directbill_account_id, %(today)s, %(due)s, total, TRUE FROM owed WHERE total > 0
    RETURNING id, directbill_account_id
), billed AS (
    UPDATE {charge} c SET statement_id = final.id FROM final
     WHERE c.directbill_account_id = ANY(ARRAY(SELECT directbill_account_id FROM final))
       AND c.directbill_account_id = final.directbill_account_id AND c.statement_id IS NULL AND NOT c.paid
), closed_accounts AS (
    UPDATE {account} a SET status = 'closed', closed_at = %(now)s
     WHERE a.id = ANY(ARRAY(SELECT directbill_account_id FROM claimed))
)
UPDATE {request} r SET status = 'closed', closed_at = %(now)s, final_statement_id = final.id
  FROM claimed LEFT JOIN final USING (directbill_account_id)
 WHERE r.id = claimed.id
RETURNING r.id, r.deletion_id, final.id IS NOT NULL
"""


def _close_batch_in_one_statement(*, today, due, now, limit) -> list[tuple[int, int | None, bool]]:
    sql = _CLOSE_SQL.format(
        request=ClosureRequest._meta.db_table,
        charge=Charge._meta.db_table,
        statement=Statement._meta.db_table,
        account=DirectBillAccount._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"today": today, "due": due, "now": now, "limit": limit})
        return cursor.fetchall()


def _close_batch(*, today, due, now, limit) -> list[tuple[int, int | None, bool]]:
    """The same with the ORM, for the SQLite laptop demo (no data-modifying WITH there)."""
    with transaction.atomic():
        claimed = list(
            ClosureRequest.objects.filter(status=ClosureRequest.Status.HELD, close_after__lte=today)
            .order_by("close_after", "pk")
            .values_list("pk", "directbill_account_id", "deletion_id")[:limit]
        )
        if not claimed:
            return []
        request_ids = [pk for pk, _, _ in claimed]
        account_ids = [account_id for _, account_id, _ in claimed]
        outstanding = (
            Charge.objects.filter(directbill_account_id__in=account_ids, paid=False)
            .order_by()
            .values_list("directbill_account_id")
            .annotate(total=Sum("amount_cents"))
        )
        Statement.objects.bulk_create(
            Statement(
                directbill_account_id=account_id,
                statement_date=today,
                due_date=due,
                total_cents=total,
                is_final=True,
            )
            for account_id, total in outstanding
            if total > 0
        )
        final_of = Statement.objects.filter(directbill_account=OuterRef("directbill_account"), is_final=True)
        Charge.objects.filter(
            directbill_account_id__in=account_ids, statement__isnull=True, paid=False
        ).update(statement=Subquery(final_of.values("pk")[:1]))
        ClosureRequest.objects.filter(pk__in=request_ids).update(
            status=ClosureRequest.Status.CLOSED,
            closed_at=now,
            final_statement=Subquery(final_of.values("pk")[:1]),
        )
        DirectBillAccount.objects.filter(pk__in=account_ids).update(
            status=DirectBillAccount.Status.CLOSED, closed_at=now
        )
        billed = set(
            ClosureRequest.objects.filter(pk__in=request_ids, final_statement__isnull=False).values_list(
                "pk", flat=True
            )
        )
    return [(pk, deletion_id, pk in billed) for pk, _, deletion_id in claimed]


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


def email_final_statements(*, limit: int = 5000) -> int:
    """Email one batch of final statements not yet emailed, over one mail connection. The claim
    (emailed_at) commits only once the batch is handed to the mail server, so a failure sends it again
    next time rather than never. Statements whose deletion kept no email are marked and skipped.
    Returns how many statements were handled."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            rows = _claim_unsent_in_one_statement(limit=limit)
        else:
            rows = _claim_unsent(limit=limit)
        if not rows:
            return 0
        messages = []
        for statement_id, total, statement_date, due_date, _, email in rows:
            if email:
                messages.append(_final_statement_email(total, statement_date, due_date, email))
            else:
                log.warning("final statement %s: no contact email to send it to", statement_id)
        if messages:
            get_connection().send_messages(messages)
    # The final statement is the last thing Direct Bill sends: its hold on the contact email ends.
    release_contacts(deletion_ids=[row[4] for row in rows if row[4]], purpose=DIRECTBILL)
    return len(rows)


# Claim a batch (skipping statements another run holds) and read what its emails need, in one statement.
_CLAIM_UNSENT_SQL = """
WITH picked AS (
    SELECT id FROM {statement} WHERE is_final AND emailed_at IS NULL
     ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE {statement} s SET emailed_at = %(now)s
  FROM picked
  LEFT JOIN {request} r ON r.final_statement_id = picked.id
  LEFT JOIN {deletion} d ON d.id = r.deletion_id
 WHERE s.id = picked.id
RETURNING s.id, s.total_cents, s.statement_date, s.due_date, r.deletion_id, d.contact_email
"""


def _claim_unsent_in_one_statement(*, limit: int) -> list[tuple]:
    """(statement id, total, statement date, due date, deletion id, contact email), in statement order."""
    sql = _CLAIM_UNSENT_SQL.format(
        statement=Statement._meta.db_table,
        request=ClosureRequest._meta.db_table,
        deletion=ClosureRequest._meta.get_field("deletion").related_model._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"limit": limit, "now": timezone.now()})
        return sorted(cursor.fetchall())


def _claim_unsent(*, limit: int) -> list[tuple]:
    """The same with the ORM, for the SQLite laptop demo."""
    rows = list(
        Statement.objects.filter(is_final=True, emailed_at__isnull=True)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", "total_cents", "statement_date", "due_date")[:limit]
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    recipients = {
        statement_id: (deletion_id, email)
        for statement_id, deletion_id, email in ClosureRequest.objects.filter(
            final_statement_id__in=ids
        ).values_list("final_statement_id", "deletion_id", "deletion__contact_email")
    }
    Statement.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
    return [(*row, *recipients.get(row[0], (None, None))) for row in rows]


def _final_statement_email(
    total_cents: int, statement_date: date, due_date: date, email: str
) -> EmailMessage:
    body = "\n\n".join(
        [
            "Hello,",
            f"Your Direct Bill account is now closed. Calls and charges that came in during the closing period "
            f"add up to {dollars(total_cents)}.",
            f"Statement date: {statement_date:%B %-d, %Y}. Please pay by {due_date:%B %-d, %Y}.",
            "This is the last statement for this account.",
            "Securus Online",
        ]
    )
    return EmailMessage("Your final Direct Bill statement", body, None, [email])
