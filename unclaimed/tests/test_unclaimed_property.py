"""Unclaimed property end to end: an inactive balance refunded by check, the check never cashed and
voided, the owner written to inside the letter window, then the state report; a balance held for lack of
an address reported without a letter; owners who answer get a new check; nothing is reported twice."""

import csv
import os
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from care import checks as check_care
from inactivity.sweep import sweep
from inactivity.tests.helpers import NOW, inactive_prepaid
from refunds import checks
from refunds.models import Check, Refund
from tests.factories import StaffUserFactory
from unclaimed.models import DormancyRule, UnclaimedItem
from unclaimed.services import (
    UnclaimedError,
    claim_item,
    collect_check_items,
    send_due_diligence_letters,
    write_holder_report,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.CHECK_RUN_DIR = tmp_path / "checkruns"
    settings.UNCLAIMED_DIR = tmp_path / "unclaimed"


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC), tick=False)


def rows(path) -> list[dict]:
    with open(path) as handle:
        return list(csv.DictReader(handle))


def report(state: str, year: int) -> str:
    out = StringIO()
    call_command("unclaimed_report", "--state", state, "--year", str(year), stdout=out)
    return out.getvalue()


def mailed_inactivity_check(*, cents=7500) -> Check:
    """An inactive balance paid by Western Union, refunded by check at 2026-12-26, printed and mailed on
    the next business day's check run."""
    prepaid = inactive_prepaid(days=200, cents=cents, method="western_union")
    sweep(now=NOW)
    [action] = sweep(now=NOW + timedelta(days=30))
    assert action["refunds"] == [{"amount": f"{cents // 100}.{cents % 100:02d}", "method": "check"}]
    with at(date(2026, 12, 28)):
        checks.run_checks(today=date(2026, 12, 28))
    check = Check.objects.get(refund__account=prepaid.account)
    assert (check.status, check.issue_date) == ("mailed", date(2026, 12, 28))
    return check


def test_stale_check_letter_then_report_once():
    check = mailed_inactivity_check()
    with at(date(2027, 6, 28)):
        assert [c.pk for c in checks.void_stale_checks(today=date(2027, 6, 28))] == [check.pk]
        assert collect_check_items() == 1
        assert collect_check_items() == 0  # one item per check, ever
    item = UnclaimedItem.objects.get()
    assert (item.kind, item.state, item.amount_cents) == ("stale_check", "TX", 7500)
    assert (item.owner_name, item.line1) == (check.payee, check.line1)
    assert (item.arose_on, item.last_activity_on) == (date(2027, 6, 28), date(2026, 12, 28))

    # Presumed abandoned three years after the check was issued: the 1 November 2030 report.
    # Its letter window is 120 to 60 days before: 4 July to 2 September 2030.
    assert send_due_diligence_letters(today=date(2030, 7, 3)) == []
    [written] = send_due_diligence_letters(today=date(2030, 8, 1))
    assert send_due_diligence_letters(today=date(2030, 8, 2)) == []
    [letter] = rows(written.letter_file)
    assert letter["reference"] == f"UP-{item.pk}"
    assert (letter["owner_name"], letter["amount"], letter["city"]) == (check.payee, "75.00", "DALLAS")
    assert (letter["date_of_last_activity"], letter["answer_by"]) == ("2026-12-28", "2030-10-31")

    assert "0 items" in report("TX", 2029)  # not yet presumed abandoned
    assert "1 items" in report("tx", 2030)
    item.refresh_from_db()
    assert item.status == "remitted" and item.report.year == 2030
    [reported] = rows(item.report.file)
    assert reported["owner_name"] == check.payee and reported["amount"] == "75.00"
    assert reported["property_type"] == "Check voided uncashed"
    assert reported["date_of_last_activity"] == "2026-12-28"
    assert reported["line1"] == check.line1 and reported["zip_code"] == check.zip_code

    assert "1 items" in report("TX", 2030)  # the same report again: the same file, no new item
    assert "0 items" in report("TX", 2031)  # never reported twice
    with pytest.raises(UnclaimedError, match="claims it from the state"):
        claim_item(item=item, actor=StaffUserFactory())


def test_an_owner_who_answers_the_letter_gets_a_reissued_check_and_is_not_reported():
    check = mailed_inactivity_check()
    with at(date(2027, 6, 28)):
        checks.void_stale_checks(today=date(2027, 6, 28))
        collect_check_items()
    [item] = send_due_diligence_letters(today=date(2030, 8, 1))
    agent = StaffUserFactory()
    new_check = claim_item(
        item=item,
        actor=agent,
        channel="phone",
        call_reference="CALL-5",
        line1="77 Elm Street",
        city="Austin",
        state="TX",
        zip_code="78701",
    )
    assert (new_check.reissue_of, new_check.amount_cents, new_check.status) == (check, 7500, "queued")
    assert (new_check.line1, new_check.city) == ("77 ELM ST", "AUSTIN")
    assert Refund.objects.get(pk=check.refund_id).status == "replaced"  # owed once
    assert claim_item(item=item, actor=agent) == new_check
    item.refresh_from_db()
    assert item.status == "claimed"
    assert "0 items" in report("TX", 2030)


def test_a_balance_held_without_an_address_is_reported_without_a_letter(settings):
    settings.UNCLAIMED_HOLDER_STATE = "DE"
    prepaid = inactive_prepaid(days=200, cents=6400, method="moneygram", address=False)
    sweep(now=NOW)
    [held] = sweep(now=NOW + timedelta(days=30))
    assert held["action"] == "held" and held["refunds"] == []
    item = UnclaimedItem.objects.get()
    assert (item.kind, item.account, item.amount_cents, item.line1) == (
        "held_balance",
        prepaid.account,
        6400,
        "",
    )
    assert item.owner_name == prepaid.account.name
    assert item.state == "DE"  # no known address: the holder's own state
    assert item.last_activity_on == (NOW - timedelta(days=200)).date()
    assert send_due_diligence_letters(today=date(2029, 8, 1)) == []  # nowhere to write to
    assert "1 items" in report("DE", 2029)
    assert not Check.objects.exists()


def test_an_owner_claiming_a_held_balance_gets_a_check_refund():
    prepaid = inactive_prepaid(days=200, cents=6400, method="moneygram", address=False)
    sweep(now=NOW)
    sweep(now=NOW + timedelta(days=30))
    item = UnclaimedItem.objects.get()
    with pytest.raises(UnclaimedError, match="mailing address"):
        claim_item(item=item, actor=StaffUserFactory())
    check = claim_item(
        item=item, actor=StaffUserFactory(), line1="5 Main St", city="Tulsa", state="OK", zip_code="74103"
    )
    assert (check.amount_cents, check.payee, check.state, check.status) == (
        6400,
        prepaid.account.name,
        "OK",
        "queued",
    )
    assert check.refund.account == prepaid.account and check.refund.status == "check_queued"
    assert prepaid.balance_cents() == 0  # the balance left the ledger once, at the hold


def test_small_items_skip_the_letter_but_are_reported():
    check = mailed_inactivity_check(cents=2000)
    with at(date(2027, 6, 28)):
        checks.void_stale_checks(today=date(2027, 6, 28))
        collect_check_items()
    assert send_due_diligence_letters(today=date(2030, 8, 1)) == []
    assert "1 items" in report("TX", 2030)
    assert UnclaimedItem.objects.get(check_payment=check).status == "remitted"


def test_a_letter_sent_too_late_waits_for_the_next_report():
    mailed_inactivity_check()
    with at(date(2027, 6, 28)):
        checks.void_stale_checks(today=date(2027, 6, 28))
        collect_check_items()
    UnclaimedItem.objects.update(status="letter_sent", letter_sent_on=date(2030, 10, 1))
    assert "0 items" in report("TX", 2030)
    assert "1 items" in report("TX", 2031)


def test_a_returned_check_becomes_an_item_after_the_grace_period_unless_reissued():
    check = mailed_inactivity_check()
    agent = StaffUserFactory()
    with at(date(2027, 1, 20)):
        check_care.mark_returned(check=check, actor=agent)
    with at(date(2027, 2, 10)):
        assert collect_check_items() == 0
    with at(date(2027, 2, 20)):
        assert collect_check_items() == 1
    item = UnclaimedItem.objects.get()
    assert (item.kind, item.arose_on) == ("returned_check", date(2027, 1, 20))
    with at(date(2027, 3, 1)):
        check_care.reissue_check(
            check=check, actor=agent, line1="9 Pine Rd", city="Austin", state="TX", zip_code="78701"
        )
        collect_check_items()
    item.refresh_from_db()
    assert item.status == "resolved"
    assert "0 items" in report("TX", 2030)


def test_a_state_dormancy_rule_applies_from_its_effective_date():
    DormancyRule.objects.create(
        state="TX", effective_from=date(2027, 1, 1), dormancy_years=1, report_month=7, report_day=1
    )
    mailed_inactivity_check(cents=2000)
    with at(date(2027, 6, 28)):
        checks.void_stale_checks(today=date(2027, 6, 28))
        collect_check_items()
    # One year after 28 December 2026, reported on 1 July 2028.
    assert "0 items" in report("TX", 2027)
    assert "1 items" in report("TX", 2028)


def test_the_report_command_refuses_bad_input():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="two-letter"):
        report("Texas", 2027)
    with pytest.raises(CommandError, match="out of range"):
        report("TX", 27)


def test_the_daily_job_writes_each_report_once_two_weeks_before_it_is_due():
    from unclaimed.services import write_due_reports

    inactive_prepaid(days=200, cents=6400, method="moneygram", address=False)
    sweep(now=NOW)
    sweep(now=NOW + timedelta(days=30))
    assert write_due_reports(today=date(2029, 10, 17)) == []
    [written] = write_due_reports(today=date(2029, 10, 18))
    assert (written.state, written.year, written.item_count) == ("TX", 2029, 1)
    assert write_due_reports(today=date(2029, 10, 19)) == []
    assert UnclaimedItem.objects.get().report == written


def test_report_files_are_owner_only_and_never_run_a_typed_formula():
    import stat

    prepaid = inactive_prepaid(days=200, cents=6400, method="moneygram", address=False)
    prepaid.account.name = "=HYPERLINK(1)"
    prepaid.account.save()
    sweep(now=NOW)
    sweep(now=NOW + timedelta(days=30))
    path = write_holder_report(state="TX", year=2029).file
    [row] = rows(path)
    assert row["owner_name"] == "'=HYPERLINK(1)"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
