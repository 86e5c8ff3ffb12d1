"""plan_deletion and delete_account cost the same number of queries whatever the account's history."""

import re
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deletion.demo import DEMO_PASSWORD, long_history
from deletion.models import AccountDeletion
from deletion.scenario import load_scenario
from deletion.services import delete_account, plan_deletion

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")


# Prepaid (its account, balance, unposted calls and enrolments), its last purchase and the card's charges,
# Direct Bill, debit, eMessaging, video, the mailing address.
PLAN_QUERIES = 8


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
        assert plan_small == plan_large == PLAN_QUERIES
        delete_small = count(lambda: delete_account(small, actor=None, channel="web"))
        delete_large = count(lambda: delete_account(large, actor=None, channel="web"))
    assert delete_small == delete_large
    assert large.deletion.refunds.count() > small.deletion.refunds.count()  # the large one spans charges


def _rows_updated(model) -> int:
    """Rows of `model`'s table updated so far in this transaction (PostgreSQL's own count)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated(%s::regclass)", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_deletion_writes_each_call_once():
    """Posting the last day's calls also shortens their numbers to the last four digits, and the privacy
    scrub writes only the calls not posted then: no call row is written twice."""
    from prepaid.models import Call

    with time_machine.travel(NOW, tick=False):
        account = account_with_history(40, "calls@example.com")
        calls = Call.objects.filter(prepaid_account__account=account)
        assert calls.filter(posted=False).count() == 20
        before = _rows_updated(Call)
        delete_account(account, actor=None, channel="web")
        assert _rows_updated(Call) - before == calls.count() == 40
    assert set(calls.values_list("number", flat=True)) == {"0100"}
    assert not calls.filter(posted=False).exists()
    assert calls.filter(posted_at=NOW).count() == 20  # posted at closure, in the same write


# The Delete Account page and its confirm, as a browser sends them: what every deletion on the site
# costs whatever the account's history. Lower them when they fall; a rise needs a reason.
PAGE_QUERIES = 10  # session, user and account, 7 statements of the preview, the mailing address
CONFIRM_QUERIES = 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("n", [1, 40])
def test_the_delete_page_and_its_confirm_run_a_fixed_number_of_queries(n, mailoutbox):
    with time_machine.travel(NOW, tick=False):
        account = account_with_history(n, f"page{n}@example.com")
        client = Client()
        assert client.login(username=account.user.email, password=DEMO_PASSWORD)
        with CaptureQueriesContext(connection) as page:
            html = client.get(reverse("deletion:delete")).content.decode()
        form = {
            "password": DEMO_PASSWORD,
            "understand": "on",
            "fingerprint": re.search(r'name="fingerprint" value="([^"]+)"', html).group(1),
        }
        with CaptureQueriesContext(connection) as confirm:
            response = client.post(reverse("deletion:delete_confirm"), form)
    assert response.status_code == 302 and "/delete/done/" in response["Location"]
    assert AccountDeletion.objects.filter(account=account).exists()
    assert len(mailoutbox) == 1  # the receipt, sent after commit within the request
    assert len(page) == PAGE_QUERIES, "\n".join(q["sql"][:120] for q in page.captured_queries)
    assert len(confirm) == CONFIRM_QUERIES, "\n".join(q["sql"][:120] for q in confirm.captured_queries)
