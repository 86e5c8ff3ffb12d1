"""`load_scenario` on DESIGN.md's example creates exactly the state it describes."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Account
from debit.models import DebitLink, Deposit
from directbill.models import Charge, Statement
from messaging.models import StampEntry
from prepaid.models import Call, Enrolment, LedgerEntry, Payment
from video.models import Session, Subscription

EXAMPLE = Path(__file__).parent / "scenarios" / "design_example.json"
NOW = datetime.datetime(2026, 11, 26, 15, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


def test_design_example_creates_exactly_that_state(capsys):
    call_command("load_scenario", str(EXAMPLE))
    assert capsys.readouterr().out.strip() == "ana@example.com"

    user = get_user_model().objects.get()
    assert user.email == "ana@example.com"
    assert user.check_password("...")
    account = Account.objects.get(user=user)
    assert account.name == "Ana Diaz"
    assert account.status == Account.Status.ACTIVE
    address = account.address
    assert (address.line1, address.line2, address.city, address.state, address.zip_code) == (
        "12 OAK ST",
        "",
        "DALLAS",
        "TX",
        "75201",
    )
    assert address.verified_at == NOW

    prepaid = account.prepaid
    assert [p.number for p in prepaid.phone_numbers.all()] == ["+12145550100"]
    payment = Payment.objects.get()
    assert (payment.amount_cents, payment.method, payment.card_brand, payment.card_last4) == (
        2500,
        "card",
        "visa",
        "4242",
    )
    assert payment.created_at == NOW - datetime.timedelta(days=40)
    assert payment.stripe_charge_id.startswith("ch_scn_")
    assert list(LedgerEntry.objects.values_list("kind", "amount_cents", "payment")) == [
        ("payment", 2500, payment.pk)
    ]
    # 25.00 minus posted calls; the only call is unposted, so nothing is deducted yet.
    assert prepaid.balance_cents() == 2500
    call = Call.objects.get()
    assert (call.number, call.charge_cents, call.posted, call.posted_at) == ("+12145550100", 120, False, None)
    assert call.started_at == NOW - datetime.timedelta(hours=3)
    assert list(Enrolment.objects.values_list("kind", "ended_at")) == [("autopay", None)]

    charge = Charge.objects.get()
    assert (charge.directbill_account.account, charge.amount_cents, charge.billed) == (account, 310, False)
    assert Statement.objects.count() == 0

    link = DebitLink.objects.get(account=account)
    assert link.ended_at is None
    owner = link.debit_account.owner
    assert (owner.name, owner.facility.name) == ("John Roe", "Dallas County Jail")
    assert list(Deposit.objects.values_list("amount_cents", "depositor")) == [(5000, account.pk)]

    assert StampEntry.balance(account) == 12

    subscription = Subscription.objects.get()
    assert (subscription.account, subscription.facility.name, subscription.price_cents) == (
        account,
        "Dallas County Jail",
        2999,
    )
    assert subscription.current_period_end == NOW + datetime.timedelta(days=12)
    assert subscription.status == "active" and not subscription.cancel_at_period_end
    assert subscription.stripe_subscription_id.startswith("sub_scn_")
    session = Session.objects.get()
    assert (session.inmate, session.facility, session.price_cents, session.status) == (
        owner,
        owner.facility,
        799,
        "scheduled",
    )
    assert session.scheduled_at == NOW + datetime.timedelta(days=2)


def test_posted_calls_are_deducted_from_the_balance(tmp_path):
    from deletion.scenario import load_scenario

    account = load_scenario(
        data={
            "now": "2026-11-26T15:00:00Z",
            "account": {"email": "bo@example.com", "name": "Bo Li"},
            "prepaid": {
                "phone_numbers": ["(214) 555-0100"],
                "payments": [{"at": "-40d", "amount": "25.00", "method": "western_union"}],
                "calls": [
                    {"at": "-2d", "number": "214-555-0100", "charge": "3.40", "posted": True},
                    {"at": "-30m", "number": "+12145550100", "charge": "1.20", "posted": False},
                ],
            },
        }
    )
    assert account.prepaid.balance_cents() == 2500 - 340
    assert [p.number for p in account.prepaid.phone_numbers.all()] == ["+12145550100"]
    posted = Call.objects.get(posted=True)
    assert posted.posted_at == NOW - datetime.timedelta(days=2)
    assert LedgerEntry.objects.get(call=posted).amount_cents == -340
    assert not account.user.has_usable_password()
