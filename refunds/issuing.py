"""Creating the refunds a deletion (or the inactivity sweep) owes. Card refunds go to Stripe by a task
after commit; checks queue for the next check run with the address snapshot taken now."""

import logging

from django.db import transaction
from django.utils import timezone

from .enqueue import submit_card_refund_later, submit_card_refunds_later
from .models import Check, Refund
from .transitions import check_from_snapshot, issue

log = logging.getLogger(__name__)

# Card refunds that use up room on their charge (a failed one frees it again).
REFUNDABLE_CARD_STATUSES = (Refund.Status.PENDING, Refund.Status.SUBMITTED, Refund.Status.SUCCEEDED)


def refund_for_line(*, line, account_id: int, key_prefix: str, index: int, now, deletion_id=None) -> Refund:
    """An unsaved Refund for one allocation line. The key names our own row, so a retry never pays twice.
    Its first status is set when it is saved (`refunds.transitions.issue`)."""
    is_card = line.method == Refund.Method.CARD
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
        idempotency_key=f"{key_prefix}-charge-{line.payment_id}"
        if is_card
        else f"{key_prefix}-check-{index}",
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
    card_ids = [r.pk for r in refunds if r.method == Refund.Method.CARD]
    if card_ids:
        transaction.on_commit(lambda: enqueue_card_refunds(card_ids))


def issue_refunds(*, deletion, account, lines, now) -> list[Refund]:
    """Create one Refund per line (bulk: the query count does not depend on the account's history)."""
    refunds = [
        refund_for_line(
            line=line,
            account_id=account.pk,
            deletion_id=deletion.pk,
            key_prefix=f"refund-{deletion.pk}",
            index=index,
            now=now,
        )
        for index, line in enumerate(lines)
    ]
    for refund in refunds:
        refund.deletion = deletion
    save_refunds(
        refunds,
        notes=[line.why for line in lines],
        check_for=lambda r: check_from_snapshot(refund=r, deletion=deletion),
    )
    return refunds


def enqueue_card_refunds(refund_ids) -> None:
    """Hand card refunds to the worker in one broker message, however many charges the refund spans (the
    worker fans it out). A broker that is down loses nothing: the sweep finds them later."""
    refund_ids = list(refund_ids)
    try:
        if len(refund_ids) == 1:
            submit_card_refund_later(refund_ids[0])
        else:
            submit_card_refunds_later(refund_ids)
    except Exception:  # broker unreachable: the pending-refund sweep re-enqueues them
        log.exception("could not enqueue card refunds %s; the sweep will retry", refund_ids)
        return
    Refund.objects.filter(pk__in=refund_ids, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
