"""`seed_demo` loads one account per rule and is idempotent: a second run creates nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Account
from deletion.demo import ADMIN_EMAIL, DEMO_PASSWORD, DEMO_SCENARIOS
from messaging.models import StampEntry

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


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


def test_reset_refuses_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("seed_demo", "--reset")
    assert not get_user_model().objects.filter(email=ADMIN_EMAIL).exists()


def _manage(*args, db_path, check=True, database_url=None):
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": "demo-reset-test",
        "DATABASE_URL": database_url or f"sqlite:///{db_path}",
        "CELERY_DATA_DIR": str(db_path.parent / "celery"),
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_database(request, tmp_path):
    """The demo's database: the laptop's SQLite file, or a PostgreSQL database of its own (DATABASE_URL
    set for `make run`), created here and dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    from django.db import connection

    name = f"{connection.settings_dict['NAME']}_demo_reset"
    server = dict(connection.settings_dict, NAME="postgres")
    url = f"postgres://{server['USER']}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}"
    admin = [
        sys.executable,
        "-c",
        "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); c.execute(sys.argv[2])",
        f"{url}/postgres",
    ]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)
    yield f"{url}/{name}"
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)


def test_reset_starts_the_demo_over_after_a_deletion(tmp_path, demo_database):
    """On the demo database: delete a demo account, then --reset brings every demo account back."""
    db = tmp_path / "demo.sqlite3"

    def manage(*args):
        return _manage(*args, db_path=db, database_url=demo_database)

    manage("migrate", "--noinput")
    manage("seed_demo")
    manage("delete_account", "card@demo.securus.test", "--channel", "phone")
    assert "skipped card@demo.securus.test (retired)" in manage("seed_demo").stdout
    out = manage("seed_demo", "--reset").stdout
    assert "database emptied and migrated" in out
    assert "created card@demo.securus.test" in out and f"created {ADMIN_EMAIL} (superuser)" in out
    # Nothing of the deleted account survived the reset: seeding again only skips existing accounts.
    again = manage("seed_demo").stdout
    assert "retired" not in again and "skipped card@demo.securus.test (exists)" in again
