"""Inactive balances, one scenario file each, through the commands operations use: load_scenario, then
inactivity_sweep --json at each `now` of the expected file (a repeated `now` must do nothing new)."""

import json
from datetime import datetime

import pytest
import time_machine
from django.core import mail

from accounts.models import Account
from inactivity.models import InactivityClosure, InactivityNotice
from prepaid.models import Enrolment, LedgerEntry
from refunds.models import Check, Refund

from .deletion_helpers import SCENARIOS, cli, load

CASES = sorted(p for p in (SCENARIOS / "inactivity").glob("*.json") if not p.name.endswith(".expected.json"))


def sweep(now: str) -> list[dict]:
    out = cli("inactivity_sweep", "--now", now, "--json")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", CASES, ids=lambda p: p.stem)
def test_inactivity_scenario(scenario, django_capture_on_commit_callbacks):
    data = json.loads(scenario.read_text())
    expected = json.loads(scenario.with_suffix("").with_suffix(".expected.json").read_text())
    with time_machine.travel(datetime.fromisoformat(data["now"]), tick=False):
        load(scenario)
    account = Account.objects.get()
    balance = account.prepaid.balance_cents()

    for step, run in enumerate(expected["runs"]):
        with django_capture_on_commit_callbacks(execute=True):
            actions = sweep(run["now"])
        assert actions == run["actions"], f"run {step} at {run['now']}"

    noticed = [a for r in expected["runs"] for a in r["actions"] if a["action"] == "noticed"]
    closed = [a for r in expected["runs"] for a in r["actions"] if a["action"] != "noticed"]
    assert InactivityNotice.objects.count() == len(noticed)
    assert [m.to for m in mail.outbox] == [[a["email"]] for a in noticed]
    if not closed:
        assert account.prepaid.status == "open"
        assert account.prepaid.balance_cents() == balance
        return

    account.prepaid.refresh_from_db()
    assert account.prepaid.status == "closed"
    assert not Enrolment.objects.filter(ended_at__isnull=True).exists()
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE  # the Securus Online account stays open
    # Money is conserved: the ledger ends at zero, every cent refunded or held, each with its row.
    assert account.prepaid.balance_cents() == 0
    closure = InactivityClosure.objects.get()
    refunds = Refund.objects.filter(account=account)
    assert closure.amount_cents == balance
    assert sum(r.amount_cents for r in refunds) + closure.held_cents == balance
    assert (
        -sum(LedgerEntry.objects.filter(kind__in=["refund", "held"]).values_list("amount_cents", flat=True))
        == balance
    )
    for check in Check.objects.all():
        assert (check.payee, check.city) == (account.name, account.address.city)
