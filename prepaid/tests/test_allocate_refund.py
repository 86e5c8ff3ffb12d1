"""allocate_refund: the route of the last purchase; card charges newest first, each never above what it
can still take back; whatever the card cannot take, and any balance without a card behind it, by check."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from prepaid.allocation import allocate_refunds
from prepaid.closing import allocate_refund
from refunds.windows import card_refund_window, check_refund_window
from tests import factories

TODAY = date(2026, 11, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture
def prepaid():
    return factories.PrepaidAccountFactory()


def _paid(prepaid, cents, *, days_ago, **kwargs):
    at = timezone.now() - timedelta(days=days_ago)
    return factories.PaymentFactory(prepaid_account=prepaid, amount_cents=cents, created_at=at, **kwargs)


def _routes(lines):
    return [(line.method, line.amount_cents, line.payment_id) for line in lines]


def test_nothing_to_refund_gives_no_line(prepaid):
    _paid(prepaid, 2500, days_ago=3)
    assert allocate_refund(prepaid, 0, TODAY) == []


def test_no_purchase_on_record_goes_by_check(prepaid):
    (line,) = allocate_refund(prepaid, 700, TODAY)
    assert (line.method, line.amount_cents) == ("check", 700)
    assert (line.expected_from, line.expected_to) == check_refund_window(TODAY)
    assert line.why == "No purchase on record to refund to."


def test_last_purchase_by_western_union_goes_by_check_even_after_card_purchases(prepaid):
    _paid(prepaid, 2500, days_ago=10)
    _paid(prepaid, 1000, days_ago=2, method="western_union")
    assert _routes(allocate_refund(prepaid, 1800, TODAY)) == [("check", 1800, None)]


def test_card_charges_newest_first_each_within_its_room(prepaid):
    older = _paid(prepaid, 1000, days_ago=9)
    newer = _paid(prepaid, 500, days_ago=2)
    lines = allocate_refund(prepaid, 1200, TODAY)
    assert _routes(lines) == [("card", 500, newer.pk), ("card", 700, older.pk)]
    assert all((line.expected_from, line.expected_to) == card_refund_window(TODAY) for line in lines)
    assert {(line.card_brand, line.card_last4) for line in lines} == {("visa", "4242")}


def test_more_than_the_card_can_take_sends_the_rest_by_check(prepaid):
    charge = _paid(prepaid, 500, days_ago=2)
    lines = allocate_refund(prepaid, 800, TODAY)
    assert _routes(lines) == [("card", 500, charge.pk), ("check", 300, None)]
    assert lines[1].why == "More than this card's recent charges can take back; the rest comes by check."


def test_a_charge_already_partly_refunded_only_takes_what_is_left(prepaid):
    charge = _paid(prepaid, 1000, days_ago=2)
    factories.RefundFactory(
        account=prepaid.account, method="card", payment=charge, amount_cents=600, status="succeeded"
    )
    assert _routes(allocate_refund(prepaid, 1000, TODAY)) == [("card", 400, charge.pk), ("check", 600, None)]


def test_only_the_last_cards_charges_are_used(prepaid):
    _paid(prepaid, 2000, days_ago=9, card_last4="1111")
    last = _paid(prepaid, 500, days_ago=2)
    assert _routes(allocate_refund(prepaid, 900, TODAY)) == [("card", 500, last.pk), ("check", 400, None)]


def test_a_charge_without_stripe_id_cannot_take_a_refund(prepaid):
    _paid(prepaid, 1000, days_ago=2, stripe_charge_id="")
    assert _routes(allocate_refund(prepaid, 600, TODAY)) == [("check", 600, None)]


def test_one_account_alone_is_routed_as_in_a_batch_of_many():
    """Deletion asks for one account (a query compiled once), the inactivity sweep for many (one query
    built for the batch): the routes are the same."""
    accounts = [factories.PrepaidAccountFactory() for _ in range(4)]
    by_fingerprint, legacy, partly_refunded, by_mail = accounts
    for days_ago, cents in ((9, 1000), (5, 700), (2, 500)):
        _paid(by_fingerprint, cents, days_ago=days_ago)
        _paid(legacy, cents, days_ago=days_ago, card_fingerprint="")  # rows from before fingerprints
    _paid(legacy, 4000, days_ago=1, card_fingerprint="", card_last4="1111")  # another card, same account
    _paid(legacy, 300, days_ago=0, card_fingerprint="")
    charge = _paid(partly_refunded, 1000, days_ago=3)
    factories.RefundFactory(
        account=partly_refunded.account, method="card", payment=charge, amount_cents=600, status="succeeded"
    )
    _paid(by_mail, 900, days_ago=4, method="mail")
    amounts = {by_fingerprint.pk: 1600, legacy.pk: 1300, partly_refunded.pk: 700, by_mail.pk: 200}

    together = allocate_refunds(amounts, TODAY)
    alone = {pid: allocate_refunds({pid: cents}, TODAY)[pid] for pid, cents in amounts.items()}

    assert alone == together
    newest = list(by_fingerprint.payments.order_by("-created_at").values_list("pk", flat=True))
    assert _routes(alone[by_fingerprint.pk]) == [
        ("card", 500, newest[0]),
        ("card", 700, newest[1]),
        ("card", 400, newest[2]),
    ]
    # The other card of the legacy account (last4 1111) takes nothing: the last purchase was on 4242.
    assert [cents for _, cents, _ in _routes(alone[legacy.pk])] == [300, 500, 500]
    assert _routes(alone[partly_refunded.pk]) == [("card", 400, charge.pk), ("check", 300, None)]
    assert _routes(alone[by_mail.pk]) == [("check", 200, None)]
