from datetime import date

from django.core.management.base import BaseCommand, CommandError

from unclaimed.services import collect_check_items, send_due_diligence_letters


class Command(BaseCommand):
    help = "Collect unclaimed items and write today's due-diligence letters (mail-merge CSV), as beat does."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if on this day (YYYY-MM-DD).")

    def handle(self, **options):
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError:
            raise CommandError(f"--today {options['today']!r} is not a date (YYYY-MM-DD)") from None
        collect_check_items()
        letters = send_due_diligence_letters(today=today)
        if letters:
            self.stdout.write(f"{len(letters)} letters: {letters[0].letter_file}")
        else:
            self.stdout.write("No letters due.")
