"""Creating the refunds a deletion (or the inactivity sweep) owes. Card refunds go to Stripe by a task
after commit; checks queue for the next check run with the address snapshot taken now."""

import logging

from django.db import connection, transaction
from django.utils import timezone

from .enqueue import submit_card_refund_later, submit_card_refunds_later
from .models import Check, Refund
from .transitions import check_from_snapshot, issue, issue_lines

log = logging.getLogger(__name__)

# Card refunds that use up room on their charge (a failed one frees it again).
REFUNDABLE_CARD_STATUSES = (Refund.Status.PENDING, Refund.Status.SUBMITTED, Refund.Status.SUCCEEDED)


def idempotency_key(line, *, key_prefix: str, index: int) -> str:
    """Names our own row, so a retry never pays twice: a card refund by its charge, a check by its place."""
    if line.method == Refund.Method.CARD:
        return f"{key_prefix}-charge-{line.payment_id}"
    return f"{key_prefix}-check-{index}"


def refund_for_line(*, line, account_id: int, key_prefix: str, index: int, now, deletion_id=None) -> Refund:
    """An unsaved Refund for one allocation line. Its first status is set when it is saved
    (`refunds.transitions.issue`)."""
    return Refund(
        account_id=account_id,
        deletion_id=deletion_id,
        service="prepaid",
        amount_cents=line.amount_cents,
        method=line.method,
        payment_id=line.payment_id,
        card_brand=line.card_brand,
        card_last4=line.card_last4,
        expected_from=line.expected_from,
        expected_to=line.expected_to,
        idempotency_key=idempotency_key(line, key_prefix=key_prefix, index=index),
        created_at=now,
        updated_at=now,
    )


def save_refunds(refunds: list[Refund], *, notes: list[str], check_for) -> None:
    """Save refunds, their first timeline event and their checks (`check_for(refund)`) in three bulk
    inserts whatever their number; card refunds go to the worker after commit."""
    if not refunds:
        return
    issue(refunds, notes)
    Check.objects.bulk_create(check_for(r) for r in refunds if r.method == Refund.Method.CHECK)
    _enqueue_at_commit([r.pk for r in refunds if r.method == Refund.Method.CARD])


def _enqueue_at_commit(card_ids: list[int]) -> None:
    """Card refunds are issued stamped as handed to the queue (`transitions.issue`); they go at commit."""
    if card_ids:
        transaction.on_commit(lambda: enqueue_card_refunds(card_ids, stamped=True))


def issue_refunds(*, deletion, account, lines, now) -> list[int]:
    """Create one Refund per line, with its timeline event and, for a check, its Check; returns their ids
    in line order. A fixed number of statements and no model instance per line, so a balance refunded
    across hundreds of card charges costs about what one refund costs."""
    if not lines:
        return []
    key_prefix = f"refund-{deletion.pk}"
    keys = [idempotency_key(line, key_prefix=key_prefix, index=i) for i, line in enumerate(lines)]
    if connection.vendor != "postgresql":  # the SQLite laptop demo: the same rows through the ORM
        refunds = [
            refund_for_line(
                line=line,
                account_id=account.pk,
                deletion_id=deletion.pk,
                key_prefix=key_prefix,
                index=i,
                now=now,
            )
            for i, line in enumerate(lines)
        ]
        save_refunds(
            refunds,
            notes=[line.why for line in lines],
            check_for=lambda r: check_from_snapshot(refund=r, deletion=deletion),
        )
        return [refund.pk for refund in refunds]
    ids = issue_lines(lines=lines, keys=keys, account_id=account.pk, deletion_id=deletion.pk, now=now)
    # A check needs only its refund's id and amount (and the address snapshot the deletion took).
    Check.objects.bulk_create(
        check_from_snapshot(refund=Refund(pk=pk, amount_cents=line.amount_cents), deletion=deletion)
        for pk, line in zip(ids, lines, strict=True)
        if line.method == Refund.Method.CHECK
    )
    _enqueue_at_commit([pk for pk, line in zip(ids, lines, strict=True) if line.method == Refund.Method.CARD])
    return ids


def enqueue_card_refunds(refund_ids, *, stamped: bool = False) -> None:
    """Hand card refunds to the worker in one broker message, however many charges the refund spans (the
    worker fans it out). A broker that is down loses nothing: the stamp is cleared and the sweep sends
    them at its next run. `stamped`: issued with their enqueued_at already set (`transitions.issue`),
    so no row is written again when all goes well."""
    refund_ids = list(refund_ids)
    try:
        if len(refund_ids) == 1:
            submit_card_refund_later(refund_ids[0])
        else:
            submit_card_refunds_later(refund_ids)
    except Exception:  # broker unreachable: the pending-refund sweep re-enqueues them
        log.exception("could not enqueue card refunds %s; the sweep will retry", refund_ids)
        Refund.objects.filter(pk__in=refund_ids, stripe_refund_id="").update(enqueued_at=None)
        return
    if not stamped:
        Refund.objects.filter(pk__in=refund_ids, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
