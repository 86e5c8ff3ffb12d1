"""`seed_demo` loads one account per rule and is idempotent: a second run creates nothing."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Account
from deletion.demo import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SCENARIOS
from messaging.models import StampEntry

pytestmark = pytest.mark.django_db


def _row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_twice_creates_nothing_new(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    after_first = _row_counts()
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert _row_counts() == after_first
    emails = [s["account"]["email"] for s in DEMO_SCENARIOS] + [ADMIN_EMAIL]
    assert first.splitlines() == [f"created {e}" for e in emails[:-1]] + [
        f"created {ADMIN_EMAIL} (superuser)"
    ]
    assert second.splitlines() == [f"skipped {e} (exists)" for e in emails]


def test_demo_accounts_cover_each_rule():
    call_command("seed_demo")
    User = get_user_model()
    for scenario in DEMO_SCENARIOS:
        assert User.objects.get(email=scenario["account"]["email"]).check_password(DEMO_PASSWORD)
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff and not hasattr(admin, "account")

    card = Account.objects.get(user__email="card@demo.securus.test")
    assert card.address.verified_at is not None
    assert card.prepaid.payments.order_by("-created_at").first().method == "card"
    assert card.prepaid.calls.filter(posted=False).count() == 1
    wu = Account.objects.get(user__email="wu@demo.securus.test")
    assert wu.prepaid.payments.order_by("-created_at").first().method == "western_union"
    directbill = Account.objects.get(user__email="directbill@demo.securus.test")
    assert directbill.directbill.charges.filter(statement__isnull=True).count() == 2
    everything = Account.objects.get(user__email="everything@demo.securus.test")
    assert list(everything.prepaid.payments.order_by("created_at").values_list("method", flat=True)) == [
        "western_union",
        "card",
    ]
    assert everything.directbill and everything.debit_deposits.count() == 2
    assert StampEntry.balance(everything) == 20
    assert everything.video_subscriptions.count() == 1 and everything.video_sessions.count() == 2
    video = Account.objects.get(user__email="video@demo.securus.test")
    assert video.video_subscriptions.values("facility").distinct().count() == 2
    assert video.video_sessions.count() == 2


def test_a_retired_demo_email_is_skipped(capsys):
    from accounts.models import RetiredEmail, retired_email_digest
    from tests.factories import AccountDeletionFactory

    RetiredEmail.objects.create(
        digest=retired_email_digest("wu@demo.securus.test"), deletion=AccountDeletionFactory()
    )
    call_command("seed_demo")
    assert "skipped wu@demo.securus.test (retired)" in capsys.readouterr().out
    assert not get_user_model().objects.filter(email="wu@demo.securus.test").exists()
