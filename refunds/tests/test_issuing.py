"""issue_refunds: one Refund per allocation line, in line order, with its first timeline event and, for a
check, its Check. PostgreSQL writes them in one set-based statement; the ORM path (the SQLite demo) must
write exactly the same rows."""

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from prepaid.models import Payment, PrepaidAccount
from refunds import issuing
from refunds.models import Check, Refund, RefundEvent
from securus.closer_types import RefundLine

from .helpers import make_deletion

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")
CARD_WHY = "Your last purchase was made with this card."
CHECK_WHY = "More than this card's recent charges can take back; the rest comes by check."


def lines_for(account) -> list[RefundLine]:
    prepaid = PrepaidAccount.objects.create(account=account)
    charges = [
        Payment.objects.create(
            prepaid_account=prepaid, amount_cents=cents, method="card", card_brand="visa", card_last4="4242"
        )
        for cents in (600, 400, 300)
    ]
    card = {"method": "card", "expected_from": date(2026, 11, 30), "expected_to": date(2026, 12, 1)}
    return [
        *(
            RefundLine(
                amount_cents=c.amount_cents,
                payment_id=c.pk,
                card_brand="visa",
                card_last4="4242",
                why=CARD_WHY,
                **card,
            )
            for c in charges
        ),
        RefundLine(
            amount_cents=660,
            method="check",
            expected_from=date(2026, 12, 10),
            expected_to=date(2026, 12, 17),
            why=CHECK_WHY,
        ),
    ]


def written(deletion) -> list[tuple]:
    """The rows issued for a deletion, without the ids that differ between two deletions."""
    rows = []
    for refund in Refund.objects.filter(deletion=deletion).order_by("pk"):
        events = list(RefundEvent.objects.filter(refund=refund).values_list("status", "note", "at"))
        check = Check.objects.filter(refund=refund).values_list("amount_cents", "payee", "line1", "zip_code")
        rows.append(
            (
                refund.amount_cents,
                refund.method,
                refund.status,
                refund.payment.amount_cents if refund.payment else None,
                (refund.card_brand, refund.card_last4, refund.expected_from, refund.expected_to),
                refund.idempotency_key.replace(f"refund-{deletion.pk}-", ""),
                refund.enqueued_at is not None,
                (refund.created_at, refund.updated_at, refund.service, refund.stripe_refund_id),
                events,
                list(check),
            )
        )
    return rows


@pytest.mark.django_db
def test_set_based_statement_writes_what_the_orm_path_writes(monkeypatch, django_capture_on_commit_callbacks):
    by_statement, by_orm = make_deletion(email="a@example.com"), make_deletion(email="b@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        ids = issuing.issue_refunds(
            deletion=by_statement,
            account=by_statement.account,
            lines=lines_for(by_statement.account),
            now=NOW,
        )
        with monkeypatch.context() as m:
            m.setattr(issuing, "connection", SimpleNamespace(vendor="sqlite"))
            issuing.issue_refunds(
                deletion=by_orm, account=by_orm.account, lines=lines_for(by_orm.account), now=NOW
            )
    assert len(callbacks) == 2  # one enqueue of the card refunds per deletion, after commit
    # Line order, first statuses, one event each, a check for the check line, cards stamped for the queue.
    assert [Refund.objects.get(pk=pk).amount_cents for pk in ids] == [600, 400, 300, 660]
    statement_rows = written(by_statement)
    assert [(r[2], r[5], r[6]) for r in statement_rows] == [
        ("pending", f"charge-{Refund.objects.get(pk=ids[0]).payment_id}", True),
        ("pending", f"charge-{Refund.objects.get(pk=ids[1]).payment_id}", True),
        ("pending", f"charge-{Refund.objects.get(pk=ids[2]).payment_id}", True),
        ("check_queued", "check-3", False),
    ]
    assert statement_rows[0][8] == [("pending", CARD_WHY, NOW)]
    assert statement_rows[3][9] == [(660, "Ana Diaz", "12 Oak St", "75201")]
    # Payment ids differ between the two deletions; everything else is the same.
    assert [r[:5] + r[6:] for r in statement_rows] == [r[:5] + r[6:] for r in written(by_orm)]
    assert [r[5].split("-")[0] for r in statement_rows] == [r[5].split("-")[0] for r in written(by_orm)]


@pytest.mark.django_db
def test_a_broker_that_refuses_clears_the_stamp_so_the_sweep_sends_them(monkeypatch):
    deletion = make_deletion()
    ids = issuing.issue_refunds(
        deletion=deletion, account=deletion.account, lines=lines_for(deletion.account)[:2], now=NOW
    )
    assert Refund.objects.filter(pk__in=ids, enqueued_at__isnull=False).count() == 2

    def refuse(refund_ids):
        raise OSError("broker unreachable")

    monkeypatch.setattr(issuing, "submit_card_refunds_later", refuse)
    issuing.enqueue_card_refunds(ids, stamped=True)
    assert Refund.objects.filter(pk__in=ids, enqueued_at__isnull=True).count() == 2
