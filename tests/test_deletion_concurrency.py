"""Two deletions of one account at the same moment produce one deletion and one set of refunds."""

import threading

import pytest
from django.db import connection

from accounts.models import Account
from deletion.models import AccountDeletion, ServiceClosure
from deletion.services import delete_account
from prepaid.models import LedgerEntry
from refunds.models import Check, Refund

from .deletion_helpers import SCENARIOS, load


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_deletions_delete_once():
    # A check refund: nothing is handed to the broker, so the test needs no worker.
    email = load(SCENARIOS / "rules" / "balance_above_card_charge.json")
    account = Account.objects.get(user__email=email)
    Refund.objects.all().delete()
    start = threading.Barrier(4)
    results, errors = [], []

    def delete(channel):
        try:
            start.wait()
            results.append(delete_account(account, actor=None, channel=channel).pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=delete, args=(c,)) for c in ["web", "app", "phone", "web"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert AccountDeletion.objects.count() == 1
    assert ServiceClosure.objects.count() == 1
    assert Refund.objects.count() == 2  # 10.00 back to the card, 50.00 by check
    assert Check.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="refund").count() == 2
