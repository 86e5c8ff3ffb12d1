"""My Account runs the same few queries for a new account and one with years of history: the session,
the user with their account, and one statement for every service's card."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

from .conftest import signed_in


def build(n: int):
    account = f.AccountFactory()
    prepaid = f.PrepaidAccountFactory(account=account)
    f.PhoneNumberFactory(prepaid_account=prepaid)
    f.EnrolmentFactory(prepaid_account=prepaid)
    facility = f.FacilityFactory(name="Dallas County Jail")
    inmate = f.IncarceratedPersonFactory(facility=facility)
    directbill = f.DirectBillAccountFactory(account=account)
    statement = f.StatementFactory(directbill_account=directbill)
    debit = f.DebitAccountFactory(owner=inmate)
    f.DebitLinkFactory(account=account, debit_account=debit)
    f.SubscriptionFactory(account=account, facility=facility)
    f.StampEntryFactory(account=account)
    start = timezone.now() - datetime.timedelta(days=400)
    for i in range(n):
        at = start + datetime.timedelta(hours=i)
        f.PaymentFactory(prepaid_account=prepaid, created_at=at, amount_cents=1000 + i)
        f.CallFactory(prepaid_account=prepaid, started_at=at, posted=True)
        f.SessionFactory(
            account=account,
            facility=facility,
            inmate=inmate,
            scheduled_at=timezone.now() + datetime.timedelta(hours=i + 1),
        )
        f.ChargeFactory(directbill_account=directbill, statement=statement if i % 2 else None)
        f.DepositFactory(debit_account=debit, depositor=account)
    return account


def page_queries(account) -> tuple[int, str]:
    client = signed_in(account)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("deletion:home"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_query_count_does_not_grow_with_history():
    small, small_html = page_queries(build(1))
    large, large_html = page_queries(build(300))
    assert small == large, f"{small} queries for 1 of each, {large} for 300"
    assert large == 3, f"{large} queries: the page reads everything in one statement"
    # The pages show the real sums: $10.00 paid less a $1.20 posted call; one unbilled $3.10 charge.
    assert "$8.80" in small_html and "$3.10" in small_html
    assert "Balance" in large_html and "Upcoming video visits" in large_html
    # The next 20 visits are listed; the rest are counted, in the same query.
    assert large_html.count('data-session="') == 20
    assert "280 more visits scheduled after these" in large_html
