"""The whole Delete Account flow through the pages: preview, confirm, receipt, signed out."""

import re

from django.core import mail
from django.urls import reverse

from deletion.models import AccountDeletion
from refunds.models import Refund

from .conftest import PASSWORD


def test_preview_confirm_receipt(card_account, client_for, django_capture_on_commit_callbacks):
    page = client_for.get(reverse("deletion:delete"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "$23.80" in html  # $25.00 balance less $1.20 of calls from the last 24 hours
    assert "Visa ending in 4242" in html
    assert "12 unused stamps will be forfeited" in html
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', html)[1]

    with django_capture_on_commit_callbacks(execute=True):
        done = client_for.post(
            reverse("deletion:delete_confirm"),
            {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint},
        )
    assert done.status_code == 302
    receipt = client_for.get(done["Location"])
    text = receipt.content.decode()
    assert "Your account is deleted" in text
    assert "$23.80" in text and "Visa ending in 4242" in text
    deletion = AccountDeletion.objects.get(account=card_account)
    assert Refund.objects.filter(deletion=deletion).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert "/refunds/track/" in mail.outbox[0].body
    assert client_for.get(reverse("deletion:home")).status_code == 302  # signed out
