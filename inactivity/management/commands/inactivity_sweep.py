import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inactivity.sweep import sweep


class Command(BaseCommand):
    help = "Notice, refund or hold inactive AdvanceConnect balances, as the daily job does."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Run as if at this ISO-8601 time (with a UTC offset).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object per action.")
        parser.add_argument(
            "--limit", type=int, default=None, help="Look at no more than this many accounts."
        )

    def handle(self, **options):
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now {options['now']!r} is not an ISO-8601 time") from None
            if timezone.is_naive(now):
                raise CommandError(f"--now {options['now']!r} needs a UTC offset (e.g. 'Z' or '-06:00')")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        actions = sweep(now=now, limit=options["limit"])
        for action in actions:
            if options["json"]:
                self.stdout.write(json.dumps(action))
            else:
                routes = ", ".join(f"{r['amount']} by {r['method']}" for r in action["refunds"])
                self.stdout.write(
                    f"{action['email']}: {action['action']} {action['amount']}"
                    + (f" ({routes})" if routes else "")
                )
        if not options["json"]:
            self.stdout.write(f"{len(actions)} actions.")
