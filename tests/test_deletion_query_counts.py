"""plan_deletion and delete_account cost the same number of queries whatever the account's history."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.deletion import delete_account, plan_deletion
from accounts.scenario import load_scenario

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")


def account_with_history(n, email):
    return load_scenario(
        data={
            "now": NOW.isoformat(),
            "account": {
                "email": email,
                "password": "Query-pass-2026",
                "name": "Kim Lee",
                "address": {"line1": "5 Elm St", "city": "Tulsa", "state": "OK", "zip": "74103"},
                "address_verified": True,
            },
            "prepaid": {
                "phone_numbers": ["+19185550100"],
                "payments": [
                    {"at": f"-{i + 1}h", "amount": "1.00", "method": "card", "card_last4": "4242"}
                    for i in range(n)
                ],
                "calls": [
                    {"at": f"-{i + 1}m", "number": "+19185550100", "charge": "0.01", "posted": i % 2 == 1}
                    for i in range(n)
                ],
                "autopay": True,
            },
            "directbill": {"charges": [{"at": f"-{i + 1}h", "amount": "0.50", "billed": False} for i in range(n)]},
            "debit": {
                "inmate": "Sam Roe",
                "facility": "Tulsa County Jail",
                "deposits": [{"at": f"-{i + 1}h", "amount": "2.00"} for i in range(n)],
            },
            "messaging": {"stamps": 5},
            "video": {
                "subscriptions": [{"facility": "Tulsa County Jail", "price": "29.99", "period_end": "+12d"}],
                "sessions": [
                    {"facility": "Tulsa County Jail", "inmate": "Sam Roe", "at": f"+{i + 1}h", "price": "5.00"}
                    for i in range(n)
                ],
            },
        }
    )


def count(fn):
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_history():
    with time_machine.travel(NOW, tick=False):
        small = account_with_history(1, "small@example.com")
        large = account_with_history(300, "large@example.com")
        plan_small, plan_large = count(lambda: plan_deletion(small)), count(lambda: plan_deletion(large))
        assert plan_small == plan_large
        delete_small = count(lambda: delete_account(small, actor=None, channel="web"))
        delete_large = count(lambda: delete_account(large, actor=None, channel="web"))
    assert delete_small == delete_large
    assert large.deletion.refunds.count() > small.deletion.refunds.count()  # the large one spans charges
