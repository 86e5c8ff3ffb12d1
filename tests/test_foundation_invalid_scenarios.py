"""A malformed scenario exits non-zero, names the field at fault, and writes nothing."""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import RetiredEmail, retired_email_digest
from tests.factories import AccountDeletionFactory

SCENARIOS = Path(__file__).parent / "scenarios"
# The field path each file's error must name.
EXPECTED_FIELD = {
    "bad_email.json": "account.email",
    "bad_money.json": "prepaid.payments[0].amount",
    "bad_phone.json": "prepaid.phone_numbers[0]",
    "bad_session_time.json": "video.sessions[0].at",
    "bad_state.json": "account.address.state",
    "bad_time.json": "prepaid.calls[0].at",
    "duplicate_subscription.json": "video.subscriptions[1].facility",
    "float_money.json": "prepaid.payments[0].amount",
    "future_payment.json": "prepaid.payments[0].at",
    "future_last_login.json": "account.last_login",
    "missing_account.json": "account",
    "missing_card_last4.json": "prepaid.payments[0].card_last4",
    "negative_deposit.json": "debit.deposits[0].amount",
    "negative_stamps.json": "messaging.stamps",
    "unknown_field.json": "directbill.charges[0].ammount",
    "unknown_method.json": "prepaid.payments[0].method",
}

pytestmark = pytest.mark.django_db


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_every_invalid_file_has_an_expectation():
    assert sorted(p.name for p in (SCENARIOS / "invalid").glob("*.json")) == sorted(EXPECTED_FIELD)


@pytest.mark.parametrize("name", sorted(EXPECTED_FIELD))
def test_malformed_scenario_is_refused_and_writes_nothing(name):
    before = _row_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_scenario", str(SCENARIOS / "invalid" / name))
    assert f": {EXPECTED_FIELD[name]}: " in str(excinfo.value)
    assert _row_counts() == before


def test_unknown_method_message_names_the_method():
    with pytest.raises(CommandError, match=r"prepaid\.payments\[0\]\.method: unknown method 'bitcoin'"):
        call_command("load_scenario", str(SCENARIOS / "invalid" / "unknown_method.json"))


def test_retired_email_is_refused_and_writes_nothing():
    RetiredEmail.objects.create(
        digest=retired_email_digest("ANA@example.com"), deletion=AccountDeletionFactory()
    )
    before = _row_counts()
    with pytest.raises(CommandError, match=r"account\.email: ana@example\.com belonged to a deleted account"):
        call_command("load_scenario", str(SCENARIOS / "design_example.json"))
    assert _row_counts() == before


def test_command_exits_non_zero_with_the_message_on_stderr(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": "x",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "load_scenario", str(SCENARIOS / "invalid" / "bad_money.json")],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "prepaid.payments[0].amount: '25.001'" in result.stderr
    assert result.stdout == ""
