"""Closing Direct Bill accounts after the hold, in bounded set-based batches."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from securus.money import dollars

from .models import Charge, ClosureRequest, DirectBillAccount, Statement

log = logging.getLogger(__name__)

FINAL_STATEMENT_DUE_DAYS = 20


def report_overdue_closures(*, today: date | None = None) -> list[int]:
    """Requests still held after their close-by date: logged once each, for operations to look at."""
    today = today or timezone.localdate()
    ids = list(
        ClosureRequest.objects.filter(
            status=ClosureRequest.Status.HELD, close_by__lt=today, overdue_reported_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if ids:
        ClosureRequest.objects.filter(pk__in=ids, overdue_reported_at__isnull=True).update(
            overdue_reported_at=timezone.now()
        )
        log.error("Direct Bill closures still held after their close-by date: %s", ids)
    return ids


def close_due_accounts(*, today: date | None = None, limit: int = 2000) -> list[int]:
    """Close one batch of held requests whose hold has passed, set-based (a fixed number of statements
    whatever the batch size). Outstanding money (unbilled charges, and billed charges still unpaid) goes on
    a final statement dated today, due 20 days later; nothing outstanding closes the account with no
    statement. The statements are emailed afterwards by `email_final_statements`. Returns the closed
    request ids."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            ClosureRequest.objects.filter(status=ClosureRequest.Status.HELD, close_after__lte=today)
            .order_by("close_after", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "directbill_account_id")[:limit]
        )
        if not claimed:
            return []
        request_ids = [pk for pk, _ in claimed]
        account_ids = [account_id for _, account_id in claimed]
        outstanding = (
            Charge.objects.filter(directbill_account_id__in=account_ids, paid=False)
            .order_by()
            .values_list("directbill_account_id")
            .annotate(total=Sum("amount_cents"))
        )
        statements = Statement.objects.bulk_create(
            Statement(
                directbill_account_id=account_id,
                statement_date=today,
                due_date=today + timedelta(days=FINAL_STATEMENT_DUE_DAYS),
                total_cents=total,
                is_final=True,
            )
            for account_id, total in outstanding
            if total > 0
        )
        final_of = Statement.objects.filter(directbill_account=OuterRef("directbill_account"), is_final=True)
        Charge.objects.filter(directbill_account_id__in=account_ids, statement__isnull=True).update(
            statement=Subquery(final_of.values("pk")[:1])
        )
        ClosureRequest.objects.filter(pk__in=request_ids).update(
            status=ClosureRequest.Status.CLOSED,
            closed_at=now,
            final_statement=Subquery(final_of.values("pk")[:1]),
        )
        DirectBillAccount.objects.filter(pk__in=account_ids).update(
            status=DirectBillAccount.Status.CLOSED, closed_at=now
        )
    log.info("Direct Bill: closed %d accounts, %d final statements", len(request_ids), len(statements))
    return request_ids


def email_final_statements(*, limit: int = 500) -> int:
    """Email one batch of final statements not yet emailed, over one mail connection. The claim
    (emailed_at) commits only once the batch is handed to the mail server, so a failure sends it again
    next time rather than never. Statements whose deletion kept no email are marked and skipped.
    Returns how many statements were handled."""
    with transaction.atomic():
        requests = list(
            ClosureRequest.objects.filter(
                final_statement__is_final=True, final_statement__emailed_at__isnull=True
            )
            .select_related("final_statement", "deletion")
            .order_by("final_statement_id")
            .select_for_update(of=("final_statement",), skip_locked=True)[:limit]
        )
        if not requests:
            return 0
        Statement.objects.filter(pk__in=[r.final_statement_id for r in requests]).update(
            emailed_at=timezone.now()
        )
        messages = []
        for request in requests:
            email = request.deletion.contact_email if request.deletion else ""
            if email:
                messages.append(_final_statement_email(request.final_statement, email))
            else:
                log.warning("final statement %s: no contact email to send it to", request.final_statement_id)
        if messages:
            get_connection().send_messages(messages)
    return len(requests)


def _final_statement_email(statement: Statement, email: str) -> EmailMessage:
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
    return EmailMessage("Your final Direct Bill statement", body, None, [email])
