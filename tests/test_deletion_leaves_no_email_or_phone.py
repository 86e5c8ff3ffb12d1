"""After a deletion has run its course (refunds settled, the Direct Bill final statement sent), no table
holds the email in any letter case or a phone number in any common format: a dump of the whole database
is searched for them. Checks keep the payee's name and address (the bank needs them); nothing else does."""

import copy
import json
import subprocess
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from care import services as care
from deletion.scenario import load_scenario
from directbill.services import close_due_accounts, email_final_statements
from refunds.cards import mark_succeeded, replace_with_check
from refunds.checks import run_checks
from refunds.models import Refund
from tests.deletion_helpers import SCENARIOS
from tests.factories import StaffUserFactory

TYPED_EMAIL = "Privacy.Person@Example.com"
PHONES = ["+12145550177", "+14695550188"]


def _formats(e164: str) -> list[str]:
    digits = e164[2:]
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        e164,
        e164[1:],
        digits,
        f"{area}-{exchange}-{line}",
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"{exchange}-{line}",
        f"{exchange}{line}",
    ]


def _dump() -> str:
    db = connection.settings_dict
    args = ["pg_dump", "--data-only", "--no-owner", "-d", db["NAME"], "-h", db["HOST"] or "127.0.0.1"]
    args += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(args, capture_output=True, text=True, check=True, env=env, timeout=120).stdout


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_settled_deletion_leaves_no_email_or_phone_in_any_table(tmp_path, mailoutbox):
    settings.CHECK_RUN_DIR = tmp_path
    data = copy.deepcopy(json.loads((SCENARIOS / "rules" / "every_service.json").read_text()))
    data.pop("now")
    data["account"].update(email=TYPED_EMAIL, phone=PHONES[0])
    data["prepaid"]["phone_numbers"] = PHONES
    data["prepaid"]["calls"][0]["number"] = PHONES[1]
    data["prepaid"]["payments"].append(
        {"at": "-30d", "amount": "5.00", "method": "western_union"}
    )  # the last purchase: a check is owed as well
    data["prepaid"]["payments"].reverse()
    load_scenario(data=data)
    email = TYPED_EMAIL.lower()
    password = data["account"]["password"]

    client = Client(REMOTE_ADDR="203.0.113.9")
    # The lockout keeps failed and successful sign-ins, in whatever spelling was typed.
    for typed in (TYPED_EMAIL, TYPED_EMAIL.upper(), f" {email} "):
        client.post(reverse("accounts:login"), {"username": typed, "password": "wrong"})
    assert (
        client.post(reverse("accounts:login"), {"username": TYPED_EMAIL, "password": password}).status_code
        == 302
    )

    # The holder deletes on the web: the deletion and the audit trail name who acted.
    page = client.get(reverse("deletion:delete")).content.decode()
    fingerprint = page.split('name="fingerprint" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("deletion:delete_confirm"),
        {"password": password, "understand": "on", "fingerprint": fingerprint},
    )
    assert response.status_code == 302
    account = Account.objects.get()
    deletion = account.deletion
    assert deletion.contact_email == email  # still needed: refunds and the final statement follow
    # Customer care sends the tracking link again; the trail records where without keeping the address.
    care.resend_tracking_link(deletion=deletion, actor=StaffUserFactory(), call_reference="CALL-1")

    # The money runs its course: card refunds succeed or become checks, checks are mailed, and the Direct
    # Bill closure sends its final statement.
    for refund in Refund.objects.filter(deletion=deletion, method=Refund.Method.CARD):
        if refund.pk % 2:
            mark_succeeded(refund_id=refund.pk)
        else:
            replace_with_check(refund_id=refund.pk, reason="card expired")
    run_checks(today=date.today())
    close_due_accounts(today=date.today() + timedelta(days=8))
    email_final_statements()
    assert any("final Direct Bill statement" in m.subject for m in mailoutbox)

    deletion.refresh_from_db()
    assert deletion.contact_email == "" and deletion.contact_kept_for == []
    assert deletion.refunds_settled_at is not None

    dump = _dump()
    assert "account_deletion" in dump or "accounts_accountdeletion" in dump  # the dump is real
    lowered = dump.lower()
    assert email not in lowered
    assert "privacy.person" not in lowered
    for phone in PHONES:
        for shown in _formats(phone):
            assert shown not in dump, f"{shown} is still stored"
