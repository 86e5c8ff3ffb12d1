"""The daily Direct Bill closure job, with frozen time: held 7 days, reported after 10."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import Account
from deletion.models import AccountDeletion
from directbill import tasks
from directbill.models import Charge, ClosureRequest, DirectBillAccount, Statement

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 11, 2)
CHICAGO = ZoneInfo("America/Chicago")


def at(day):
    return time_machine.travel(
        datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), CHICAGO) + timedelta(hours=3),
        tick=False,
    )


def held(*, unbilled=(), unpaid_billed=0, email="bo@example.com"):
    account = Account.objects.create(name="Bo Lee", status="deleted")
    deletion = AccountDeletion.objects.create(account=account, channel="web", contact_email=email)
    db = DirectBillAccount.objects.create(account=account, status="closing")
    for cents in unbilled:
        Charge.objects.create(directbill_account=db, amount_cents=cents)
    if unpaid_billed:
        old = Statement.objects.create(
            directbill_account=db,
            statement_date=DAY0 - timedelta(days=20),
            due_date=DAY0,
            total_cents=unpaid_billed,
        )
        Charge.objects.create(directbill_account=db, amount_cents=unpaid_billed, statement=old)
    return ClosureRequest.objects.create(
        directbill_account=db,
        deletion=deletion,
        close_after=DAY0 + timedelta(days=7),
        close_by=DAY0 + timedelta(days=10),
    )


def test_day_6_nothing_day_7_final_statement_due_20_days_later(django_capture_on_commit_callbacks):
    request = held(unbilled=[310, 125])
    with at(6):
        assert tasks.close_held_accounts() == 0
    request.refresh_from_db()
    assert request.status == "held" and Statement.objects.count() == 0
    with at(7), django_capture_on_commit_callbacks(execute=True):
        assert tasks.close_held_accounts() == 1
    request.refresh_from_db()
    statement = request.final_statement
    assert request.status == "closed" and request.directbill_account.status == "closed"
    assert statement.is_final and statement.total_cents == 435
    assert statement.statement_date == DAY0 + timedelta(days=7)
    assert statement.due_date == DAY0 + timedelta(days=27)
    assert set(Charge.objects.values_list("statement", flat=True)) == {statement.pk}
    assert statement.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]
    assert "$4.35" in mail.outbox[0].body
    with at(8):
        assert tasks.close_held_accounts() == 0  # running again changes nothing


def test_unpaid_billed_charges_are_outstanding_too():
    request = held(unpaid_billed=900)
    with at(7):
        tasks.close_held_accounts()
    request.refresh_from_db()
    assert request.final_statement.total_cents == 900


def test_nothing_outstanding_closes_without_statement():
    request = held()
    with at(7):
        tasks.close_held_accounts()
    request.refresh_from_db()
    assert request.status == "closed" and request.final_statement is None
    assert Statement.objects.count() == 0 and mail.outbox == []


def test_still_held_after_day_10_is_reported(caplog):
    request = held(unbilled=[100])
    with at(10):
        from directbill import services

        assert services.report_overdue_closures() == []
    with at(11):
        assert services.report_overdue_closures() == [request.pk]
        assert services.report_overdue_closures() == []  # reported once
    request.refresh_from_db()
    assert request.overdue_reported_at is not None
    assert "still held" in caplog.text


def test_batches_are_bounded_and_set_based(django_assert_max_num_queries):
    for _ in range(5):
        held(unbilled=[100, 200], email="")
    from directbill import services

    with at(7), django_assert_max_num_queries(12):
        assert len(services.close_due_accounts(limit=3)) == 3
    with at(7):
        assert len(services.close_due_accounts(limit=3)) == 2
    assert ClosureRequest.objects.filter(status="held").count() == 0
