import json

from django.core.management.base import BaseCommand, CommandError

from deletion.scenario import ScenarioError, load_scenario


class Command(BaseCommand):
    help = "Create one account and its services from a scenario file (DESIGN.md) and print its email."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Scenario JSON file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file}: not valid JSON: {exc}") from None
        try:
            account = load_scenario(data=data)
        except ScenarioError as exc:
            raise CommandError(f"{file}: {exc}") from None
        self.stdout.write(account.user.email)
