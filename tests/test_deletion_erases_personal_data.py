"""After deletion: the email is retired, personal data is gone, the check keeps its own address."""

import json
from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from accounts.models import Account, Address, RetiredEmail
from deletion.services import delete_account, find_deletion_by_email
from prepaid.models import PhoneNumber
from refunds.models import Check

from .deletion_helpers import SCENARIOS, load

User = get_user_model()


@pytest.mark.django_db
def test_deletion_retires_email_and_erases_personal_data():
    data = json.loads((SCENARIOS / "rules" / "balance_above_card_charge.json").read_text())
    with time_machine.travel(datetime.fromisoformat(data["now"]), tick=False):
        email = load(SCENARIOS / "rules" / "balance_above_card_charge.json")
        account = Account.objects.get(user__email=email)
        deletion = delete_account(account, actor=None, channel="web")

    account.refresh_from_db()
    user = User.objects.get(pk=account.user_id)
    assert account.status == "deleted" and account.name == "" and account.phone == ""
    assert not user.is_active and not user.has_usable_password() and email not in user.email
    assert not Address.objects.exists()
    assert not PhoneNumber.objects.exists()
    assert RetiredEmail.is_retired(email.upper())
    assert not RetiredEmail.objects.filter(digest__icontains="rule-split").exists()
    assert find_deletion_by_email(email.title()) == deletion
    # The check still owed keeps the address it will be mailed to.
    check = Check.objects.get()
    assert check.city == "DALLAS" and check.payee == "Ana Diaz"
    # The deletion keeps what a failed card refund needs to become a check.
    assert deletion.mailing_address["zip_code"] == "75201"
    assert deletion.contact_email == email


@pytest.mark.django_db
def test_deleting_twice_returns_the_first_deletion():
    email = load(SCENARIOS / "rules" / "several_charges_same_card.json")
    account = Account.objects.get(user__email=email)
    first = delete_account(account, actor=None, channel="web")
    second = delete_account(account, actor=None, channel="phone")
    assert first == second
    assert first.refunds.count() == 2
    assert first.closures.count() == 1


@pytest.mark.django_db
def test_direct_bill_keeps_the_email_its_final_statement_goes_to():
    email = load(SCENARIOS / "rules" / "direct_bill_hold.json")
    deletion = delete_account(Account.objects.get(user__email=email), actor=None, channel="web")
    assert deletion.contact_email == email
    assert deletion.mailing_address == {}  # no refund: no address is kept


@pytest.mark.django_db
def test_nothing_owed_either_way_keeps_no_email():
    email = load(SCENARIOS / "rules" / "stamps_forfeited.json")
    deletion = delete_account(Account.objects.get(user__email=email), actor=None, channel="web")
    assert deletion.contact_email == "" and deletion.mailing_address == {}
