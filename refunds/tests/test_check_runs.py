"""Check runs: gapless numbers, positive-pay and register files, printed then mailed, safe to re-run."""

import csv
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deletion.models import AccountDeletion
from refunds import checks
from refunds.models import Check, CheckRun

from .helpers import make_check_refund, make_deletion


@pytest.fixture(autouse=True)
def _check_dir(settings, tmp_path):
    settings.CHECK_RUN_DIR = tmp_path
    settings.POSITIVE_PAY_ACCOUNT_NUMBER = "9876543210"


def read_csv(path):
    with open(path) as fh:
        return list(csv.reader(fh))


@pytest.mark.django_db
def test_run_numbers_prints_and_mails(django_capture_on_commit_callbacks):
    deletion = make_deletion()
    first = make_check_refund(deletion=deletion, amount_cents=1500)
    second = make_check_refund(deletion=deletion, amount_cents=725)
    with django_capture_on_commit_callbacks(execute=True):
        run = checks.run_checks(today=date(2026, 12, 1))
    assert run.status == "mailed" and run.check_count == 2 and run.total_cents == 2225
    numbers = list(Check.objects.order_by("check_number").values_list("check_number", flat=True))
    assert numbers == [checks.FIRST_CHECK_NUMBER, checks.FIRST_CHECK_NUMBER + 1]
    rows = read_csv(run.positive_pay_file)
    assert rows[0] == ["account_number", "check_number", "amount", "issue_date", "payee", "code"]
    assert rows[1] == ["9876543210", str(numbers[0]), "15.00", "2026-12-01", "Ana Diaz", "I"]
    assert rows[2][2] == "7.25"
    register = open(run.register_file).read()
    assert "Pay to the order of: Ana Diaz" in register and "Dallas, TX 75201" in register
    for refund in (first, second):
        refund.refresh_from_db()
        assert refund.status == "check_mailed"
        assert [e.status for e in refund.events.all()] == ["check_queued", "check_printed", "check_mailed"]
        assert refund.check_payment.void_after == date(2026, 12, 1) + timedelta(days=180)
    assert len(mail.outbox) == 2
    # Every refund final: the deletion's address snapshot is gone; the checks keep theirs.
    assert AccountDeletion.objects.get(pk=deletion.pk).mailing_address == {}
    assert checks.run_checks(today=date(2026, 12, 2)) is None


@pytest.mark.django_db
def test_interrupted_run_is_finished_by_the_next_one(monkeypatch):
    deletion = make_deletion()
    make_check_refund(deletion=deletion)
    make_check_refund(deletion=deletion)

    def crash(run):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(checks, "_write_files", crash)
    with pytest.raises(RuntimeError):
        checks.run_checks(today=date(2026, 12, 1))
    monkeypatch.undo()
    run = CheckRun.objects.get()
    assert run.status == "open" and run.checks.count() == 2
    make_check_refund(deletion=deletion)
    checks.run_checks(today=date(2026, 12, 2))
    run.refresh_from_db()
    assert run.status == "mailed"
    numbers = sorted(Check.objects.values_list("check_number", flat=True))
    assert numbers == list(range(checks.FIRST_CHECK_NUMBER, checks.FIRST_CHECK_NUMBER + 3))
    assert CheckRun.objects.count() == 2
    assert Check.objects.filter(status="mailed").count() == 3


@pytest.mark.django_db
def test_checks_without_an_address_wait():
    refund = make_check_refund(deletion=make_deletion())
    Check.objects.filter(refund=refund).update(line1="")
    assert checks.run_checks(today=date(2026, 12, 1)) is None


@pytest.mark.django_db
def test_stale_checks_are_voided_and_reported_once():
    deletion = make_deletion()
    refund = make_check_refund(deletion=deletion)
    checks.run_checks(today=date(2026, 1, 5))
    check = Check.objects.get()
    assert checks.void_stale_checks(today=check.void_after) == []  # the void-after day itself is still valid
    assert [c.pk for c in checks.void_stale_checks(today=check.void_after + timedelta(days=1))] == [check.pk]
    refund.refresh_from_db()
    assert refund.status == "check_voided"
    run = checks.run_checks(today=check.void_after + timedelta(days=2))
    rows = read_csv(run.positive_pay_file)
    assert rows[1][1:] == [str(check.check_number), "15.00", "2026-01-05", "Ana Diaz", "V"]
    assert checks.run_checks(today=check.void_after + timedelta(days=3)) is None  # reported once


@pytest.mark.django_db
def test_no_run_on_a_holiday_or_weekend():
    make_check_refund(deletion=make_deletion())
    assert checks.run_checks_if_business_day(today=date(2026, 12, 25)) is None
    assert checks.run_checks_if_business_day(today=date(2026, 12, 26)) is None
    assert checks.run_checks_if_business_day(today=date(2026, 12, 28)) is not None


@pytest.mark.django_db
def test_command(capsys):
    make_check_refund(deletion=make_deletion())
    call_command("check_run", "--limit", "10")
    assert "1 checks" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_never_duplicate_or_skip_a_number():
    deletion = make_deletion()
    for _ in range(30):
        make_check_refund(deletion=deletion, amount_cents=100)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            while checks.run_checks(today=date(2026, 12, 1), limit=7):
                pass
        except Exception as exc:  # noqa: BLE001  surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Check.objects.values_list("check_number", flat=True))
    assert numbers == list(range(checks.FIRST_CHECK_NUMBER, checks.FIRST_CHECK_NUMBER + 30))
    assert Check.objects.filter(status="mailed").count() == 30
    assert sum(CheckRun.objects.values_list("check_count", flat=True)) == 30


@pytest.mark.django_db
def test_a_run_costs_the_same_queries_however_many_checks(django_capture_on_commit_callbacks):
    def queries_of_a_run(deletions, per_deletion, day):
        for d in range(deletions):
            deletion = make_deletion(email=f"holder{day}-{d}@example.com")
            for _ in range(per_deletion):
                make_check_refund(deletion=deletion)
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            run = checks.run_checks(today=date(2026, 12, day))
        assert run.check_count == deletions * per_deletion
        return len(captured)

    small = queries_of_a_run(1, 1, 1)
    outbox = len(mail.outbox)
    assert queries_of_a_run(12, 3, 2) == small
    assert len(mail.outbox) - outbox == 36
