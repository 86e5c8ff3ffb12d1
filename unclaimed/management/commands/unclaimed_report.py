import re

from django.core.management.base import BaseCommand, CommandError

from securus.money import format_cents
from unclaimed.services import write_holder_report


class Command(BaseCommand):
    help = "Write a state's annual unclaimed-property holder report (CSV); its items are marked remitted."

    def add_arguments(self, parser):
        parser.add_argument("--state", required=True, help="Two-letter state, e.g. TX.")
        parser.add_argument("--year", required=True, type=int, help="Report year, e.g. 2027.")

    def handle(self, **options):
        state = options["state"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", state):
            raise CommandError(f"--state {options['state']!r} is not a two-letter state")
        if not 2000 <= options["year"] <= 2100:
            raise CommandError(f"--year {options['year']} is out of range")
        report = write_holder_report(state=state, year=options["year"])
        self.stdout.write(
            f"{report.file}: report #{report.pk}, {report.item_count} items, total {format_cents(report.total_cents)}"
        )
