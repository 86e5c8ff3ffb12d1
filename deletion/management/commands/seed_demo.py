from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import RetiredEmail, canonical_email
from deletion.demo import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_SCENARIOS
from deletion.scenario import load_scenario


def _taken(email):
    if RetiredEmail.is_retired(email):
        return "retired"
    if get_user_model().objects.filter(email=canonical_email(email)).exists():
        return "exists"
    return None


def _empty_database():
    """Start the demo over. A deleted demo account cannot be removed row by row (its refunds, ledgers and
    the append-only audit trail keep it), so the whole demo database goes and is migrated afresh."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        path.unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        connection.close()


class Command(BaseCommand):
    help = (
        "Load the demo accounts (README); an email that exists or was retired is skipped, so it is idempotent. "
        "--reset empties the database first (DEBUG only) to start the demo over."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database, migrate, load the beat schedule, then the demo accounts. "
            "Refused unless DEBUG is true: it is for the laptop demo, never a real database.",
        )

    def handle(self, *args, reset=False, **options):
        if reset:
            if not settings.DEBUG:
                raise CommandError("--reset empties the whole database: it runs only with DEBUG=true.")
            _empty_database()
            call_command("migrate", interactive=False, verbosity=0)
            call_command("setup_schedule", verbosity=0)
            self.stdout.write("database emptied and migrated")
        for scenario in DEMO_SCENARIOS:
            email = scenario["account"]["email"]
            if reason := _taken(email):
                self.stdout.write(f"skipped {email} ({reason})")
                continue
            load_scenario(data=scenario)
            self.stdout.write(f"created {email}")
        if reason := _taken(ADMIN_EMAIL):
            self.stdout.write(f"skipped {ADMIN_EMAIL} ({reason})")
        else:
            with transaction.atomic():
                get_user_model().objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD, name="Demo Admin")
            self.stdout.write(f"created {ADMIN_EMAIL} (superuser)")
