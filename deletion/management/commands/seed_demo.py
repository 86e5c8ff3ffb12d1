from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import RetiredEmail, canonical_email
from deletion.demo import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_SCENARIOS
from deletion.scenario import load_scenario


def _taken(email):
    if RetiredEmail.is_retired(email):
        return "retired"
    if get_user_model().objects.filter(email=canonical_email(email)).exists():
        return "exists"
    return None


class Command(BaseCommand):
    help = "Load the demo accounts (README); an email that exists or was retired is skipped, so it is idempotent."

    def handle(self, *args, **options):
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
