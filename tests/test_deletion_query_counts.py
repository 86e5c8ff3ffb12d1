"""plan_deletion and delete_account cost the same number of queries whatever the account's history."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deletion.demo import long_history
from deletion.scenario import load_scenario
from deletion.services import delete_account, plan_deletion

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")


def account_with_history(n, email):
    return load_scenario(data={"now": NOW.isoformat(), **long_history(email, n)})


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
