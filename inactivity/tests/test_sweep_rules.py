"""The sweep's rules: state overrides with effective dates, a late notice still gives its full notice
period, activity after the notice starts a new period, zero balances are left alone."""

from datetime import date, timedelta

import pytest
from django.core import mail

from inactivity.models import InactivityClosure, InactivityNotice, InactivityRule
from inactivity.sweep import sweep
from prepaid.models import PrepaidAccount
from tests.factories import AddressFactory, CallFactory, PaymentFactory

from .helpers import NOW, actions_at, days_ago, inactive_prepaid

pytestmark = pytest.mark.django_db


def test_a_state_with_a_longer_period_uses_it_from_its_effective_date():
    texas = inactive_prepaid(days=200)
    california = inactive_prepaid(days=200, address=False)
    AddressFactory(account=california.account, state="CA", city="FRESNO", zip_code="93650")
    InactivityRule.objects.create(
        state="CA", effective_from=date(2026, 1, 1), inactivity_days=365, notice_days=60
    )
    InactivityRule.objects.create(
        state="CA", effective_from=date(2027, 7, 1), inactivity_days=730, notice_days=60
    )

    assert actions_at(NOW) == [(texas.account.user.email, "noticed")]
    assert actions_at(NOW + timedelta(days=30)) == [(texas.account.user.email, "refunded")]
    # California: notice at 365 - 60 = 305 days of inactivity.
    assert actions_at(days_ago(200 - 304)) == []
    assert actions_at(days_ago(200 - 305)) == [(california.account.user.email, "noticed")]
    notice = InactivityNotice.objects.get(prepaid_account=california)
    assert notice.action_on == (days_ago(200 - 365)).date()
    assert actions_at(days_ago(200 - 365)) == [(california.account.user.email, "refunded")]


def test_a_later_rule_for_the_state_replaces_the_earlier_one():
    prepaid = inactive_prepaid(days=330, address=False)
    AddressFactory(account=prepaid.account, state="CA", city="FRESNO", zip_code="93650")
    InactivityRule.objects.create(
        state="CA", effective_from=date(2025, 1, 1), inactivity_days=365, notice_days=60
    )
    InactivityRule.objects.create(
        state="CA", effective_from=date(2026, 11, 1), inactivity_days=400, notice_days=60
    )
    assert actions_at(NOW) == []  # 330 < 400 - 60
    assert actions_at(NOW + timedelta(days=10)) == [(prepaid.account.user.email, "noticed")]


def test_a_rule_shorter_than_the_federal_minimum_cannot_be_saved():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        InactivityRule.objects.create(
            state="NM", effective_from=date(2026, 1, 1), inactivity_days=90, notice_days=30
        )


def test_a_late_notice_still_gives_the_full_notice_period(django_capture_on_commit_callbacks):
    prepaid = inactive_prepaid(days=400)
    email = prepaid.account.user.email
    with django_capture_on_commit_callbacks(execute=True):
        assert actions_at(NOW) == [(email, "noticed")]
    notice = InactivityNotice.objects.get()
    assert notice.action_on == (NOW + timedelta(days=30)).date()
    body = mail.outbox[0].body
    assert "$25.00 back to your Visa ending in 4242" in body and "December 26, 2026" in body
    assert "since October 22, 2025" in body
    assert "/inactivity/keep/" in body
    assert actions_at(NOW + timedelta(days=29)) == []
    assert actions_at(NOW + timedelta(days=30)) == [(email, "refunded")]


def test_activity_after_the_notice_cancels_the_refund_and_a_new_period_gets_a_new_notice():
    prepaid = inactive_prepaid(days=160)
    email = prepaid.account.user.email
    assert actions_at(NOW) == [(email, "noticed")]
    CallFactory(prepaid_account=prepaid, started_at=NOW + timedelta(days=5), posted=True, charge_cents=100)
    assert actions_at(NOW + timedelta(days=30)) == []
    assert not InactivityClosure.objects.exists()
    assert actions_at(NOW + timedelta(days=5 + 150)) == [(email, "noticed")]
    assert InactivityNotice.objects.filter(prepaid_account=prepaid).count() == 2
    assert actions_at(NOW + timedelta(days=5 + 180)) == [(email, "refunded")]


def test_zero_balances_and_deleted_accounts_are_left_alone():
    empty = inactive_prepaid(days=400, cents=100)
    CallFactory(prepaid_account=empty, started_at=days_ago(400), posted=True, charge_cents=100)
    deleted = inactive_prepaid(days=400)
    deleted.account.status = "deleted"
    deleted.account.save()
    assert actions_at(NOW) == []


def test_batches_cover_every_account_and_limit_bounds_a_run():
    accounts = [inactive_prepaid(days=200) for _ in range(7)]
    assert len(sweep(now=NOW, batch_size=3, limit=5)) == 5
    assert len(sweep(now=NOW, batch_size=3)) == 2
    assert InactivityNotice.objects.count() == 7
    closed = sweep(now=NOW + timedelta(days=30), batch_size=2)
    assert [a["action"] for a in closed] == ["refunded"] * 7
    assert PrepaidAccount.objects.filter(pk__in=[p.pk for p in accounts], status="closed").count() == 7


def test_a_balance_split_between_card_and_held_check_conserves_money():
    prepaid = inactive_prepaid(days=200, cents=1000, address=False)
    # The last card charge can take back only 10.00 of 30.00: the rest would be a check, with no address.
    PaymentFactory(prepaid_account=prepaid, created_at=days_ago(300), method="mail", amount_cents=2000)
    assert actions_at(NOW) == [(prepaid.account.user.email, "noticed")]
    [action] = sweep(now=NOW + timedelta(days=30))
    assert action["action"] == "held" and action["amount"] == "30.00"
    assert action["refunds"] == [{"amount": "10.00", "method": "card", "card_last4": "4242"}]
    closure = InactivityClosure.objects.get()
    assert (closure.refunded_cents, closure.held_cents) == (1000, 2000)
    assert closure.unclaimed_item.amount_cents == 2000
    prepaid.refresh_from_db()
    assert prepaid.balance_cents() == 0


def test_a_failed_card_refund_after_inactivity_becomes_a_check_to_the_address_on_record():
    from refunds.cards import replace_with_check
    from refunds.models import Refund

    prepaid = inactive_prepaid(days=200, cents=1800)
    sweep(now=NOW)
    sweep(now=NOW + timedelta(days=30))
    card = Refund.objects.get(method="card")
    assert card.deletion is None
    check_refund = replace_with_check(refund_id=card.pk, reason="the card has expired")
    check = check_refund.check_payment
    address = prepaid.account.address
    assert (check.amount_cents, check.payee) == (1800, prepaid.account.name)
    assert (check.line1, check.city, check.state, check.zip_code) == (
        address.line1,
        address.city,
        address.state,
        address.zip_code,
    )
