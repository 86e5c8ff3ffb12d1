"""Creating the refunds a deletion owes. Card refunds go to Stripe by a task after commit; checks queue
for the next check run with the address snapshot taken now."""

import logging

from django.db import transaction
from django.utils import timezone

from .models import Check, Refund, RefundEvent
from .windows import check_refund_window

log = logging.getLogger(__name__)

# Card refunds that use up room on their charge (a failed one frees it again).
REFUNDABLE_CARD_STATUSES = (Refund.Status.PENDING, Refund.Status.SUBMITTED, Refund.Status.SUCCEEDED)


def check_to(*, refund: Refund, payee: str, address: dict) -> Check:
    return Check(
        refund=refund,
        amount_cents=refund.amount_cents,
        payee=payee,
        line1=address.get("line1", ""),
        line2=address.get("line2", ""),
        city=address.get("city", ""),
        state=address.get("state", ""),
        zip_code=address.get("zip_code", ""),
    )


def check_from_snapshot(*, refund: Refund, deletion) -> Check:
    return check_to(refund=refund, payee=deletion.holder_name, address=deletion.mailing_address)


def replacement_check_refund(*, replacing: Refund, key_suffix: str, now) -> Refund:
    """A check refund owing the same money as `replacing` (a failed card refund, a returned check)."""
    expected_from, expected_to = check_refund_window(timezone.localdate(now))
    return Refund.objects.create(
        account_id=replacing.account_id,
        deletion_id=replacing.deletion_id,
        service=replacing.service,
        amount_cents=replacing.amount_cents,
        method=Refund.Method.CHECK,
        status=Refund.Status.CHECK_QUEUED,
        expected_from=expected_from,
        expected_to=expected_to,
        idempotency_key=f"{replacing.idempotency_key}-{key_suffix}",
        created_at=now,
        updated_at=now,
    )


def refund_for_line(*, line, account_id: int, key_prefix: str, index: int, now, deletion_id=None) -> Refund:
    """An unsaved Refund for one allocation line. The key names our own row, so a retry never pays twice."""
    is_card = line.method == Refund.Method.CARD
    return Refund(
        account_id=account_id,
        deletion_id=deletion_id,
        service="prepaid",
        amount_cents=line.amount_cents,
        method=line.method,
        status=Refund.Status.PENDING if is_card else Refund.Status.CHECK_QUEUED,
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
    Refund.objects.bulk_create(refunds)
    RefundEvent.objects.bulk_create(
        RefundEvent(refund=r, at=r.created_at, status=r.status, note=note)
        for r, note in zip(refunds, notes, strict=True)
    )
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
    from .tasks import submit_card_refund, submit_card_refunds

    refund_ids = list(refund_ids)
    try:
        if len(refund_ids) == 1:
            submit_card_refund.delay(refund_ids[0])
        else:
            submit_card_refunds.delay(refund_ids)
    except Exception:  # broker unreachable: the pending-refund sweep re-enqueues them
        log.exception("could not enqueue card refunds %s; the sweep will retry", refund_ids)
        return
    Refund.objects.filter(pk__in=refund_ids, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
