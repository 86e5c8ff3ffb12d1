"""Small helpers shared by the accounts page tests."""

import re

from django.urls import reverse

from accounts.models import RetiredEmail
from deletion.models import AccountDeletion
from prepaid.models import LedgerEntry
from refunds.models import Refund


def fingerprint_of(client) -> str:
    html = client.get(reverse("deletion:delete")).content.decode()
    return re.search(r'name="fingerprint" value="(\w+)"', html)[1]


def world_state(account) -> tuple:
    """Everything a deletion would change; equal before and after means nothing changed."""
    account.refresh_from_db()
    user = account.user
    return (
        account.status,
        user.email,
        user.password,
        user.is_active,
        AccountDeletion.objects.filter(account=account).count(),
        Refund.objects.filter(account=account).count(),
        RetiredEmail.is_retired(user.email),
        LedgerEntry.objects.filter(prepaid_account__account=account).count(),
    )
