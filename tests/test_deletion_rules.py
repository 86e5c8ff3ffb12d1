"""Every deletion rule, one scenario file each, through the same commands support uses."""

import json
from datetime import datetime

import pytest
import time_machine

from accounts.models import Account
from audit.models import AuditEvent
from prepaid.models import LedgerEntry
from refunds.models import Refund

from .deletion_helpers import SCENARIOS, cli, load, report

RULES = sorted(p for p in (SCENARIOS / "rules").glob("*.json") if not p.name.endswith(".expected.json"))


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", RULES, ids=lambda p: p.stem)
def test_rule(scenario):
    data = json.loads(scenario.read_text())
    expected = json.loads(scenario.with_suffix("").with_suffix(".expected.json").read_text())
    with time_machine.travel(datetime.fromisoformat(data["now"]), tick=False):
        email = load(scenario)
        assert report(email)["status"] == "active"
        cli("delete_account", email, "--channel", "phone")
        result = report(email)

    assert result["status"] == "deleted"
    assert result["channel"] == "phone"
    assert result["services"] == expected["services"]
    refunds = [{k: v for k, v in r.items() if k != "status"} for r in result["refunds"]]
    assert refunds == expected["refunds"]
    assert {r["status"] for r in result["refunds"]} <= {"pending", "check_queued"}

    # The prepaid ledger closes at zero: every cent held is deducted, refunded or written off.
    account = Account.objects.get(deletion__isnull=False)
    if "prepaid" in result["services"]:
        assert account.prepaid.balance_cents() == 0
        assert LedgerEntry.objects.filter(prepaid_account=account.prepaid, kind="refund").count() == len(
            refunds
        )


@pytest.mark.django_db
def test_design_example_report_matches_design():
    scenario = SCENARIOS / "design_example.json"
    with time_machine.travel(datetime.fromisoformat("2026-11-26T15:00:00+00:00"), tick=False):
        email = load(scenario)
        cli("delete_account", email, "--channel", "web")
        result = report(email)
    assert result["email"] == "ana@example.com"
    assert result["services"]["prepaid"]["refund_total"] == "23.80"
    assert result["services"]["debit"] == {"refunded": "0.00", "kept_by_incarcerated_person": "50.00"}
    assert result["refunds"] == [
        {
            "amount": "23.80",
            "method": "card",
            "card_last4": "4242",
            "expected_from": "2026-11-30",
            "expected_to": "2026-12-01",
            "status": "pending",
        }
    ]
    assert result["deleted_at"].startswith("2026-11-26T09:00:00")


@pytest.mark.django_db
def test_check_needs_a_recently_verified_address(tmp_path):
    data = json.loads((SCENARIOS / "rules" / "western_union_check.json").read_text())
    data["account"]["address_verified"] = False
    path = tmp_path / "unverified.json"
    path.write_text(json.dumps(data))
    with time_machine.travel(datetime.fromisoformat(data["now"]), tick=False):
        email = load(path)
        with pytest.raises(Exception, match="confirm your mailing address"):
            cli("delete_account", email, "--channel", "phone")
        assert Account.objects.get().status == "active"
        assert not Refund.objects.exists()
        with pytest.raises(Exception, match="call reference"):
            cli("delete_account", email, "--channel", "phone", "--verify-address")
        assert not AuditEvent.objects.exists()
        cli("delete_account", email, "--channel", "phone", "--verify-address", "--call-reference", "CALL-7")
        verified = AuditEvent.objects.get(action=AuditEvent.Action.ADDRESS_VERIFIED)
        assert (verified.call_reference, verified.channel) == ("CALL-7", "phone")
    check = Refund.objects.get().check_payment
    assert (check.line1, check.city, check.state, check.zip_code) == ("12 OAK ST", "DALLAS", "TX", "75201")
    assert check.payee == "Ana Diaz"
