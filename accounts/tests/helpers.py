"""Small helpers shared by the accounts page tests."""

import re
from html.parser import HTMLParser

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


def element_attrs(html: str, element_id: str) -> dict:
    """The attributes of the one element with this id; fails when there is none or more than one."""

    class Finder(HTMLParser):
        found: list[dict] = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if attrs.get("id") == element_id:
                self.found.append(attrs)

    finder = Finder()
    finder.found = []
    finder.feed(html)
    assert len(finder.found) == 1, f"{len(finder.found)} elements with id {element_id!r}"
    return finder.found[0]
