from django.core.management.base import BaseCommand

from refunds import checks


class Command(BaseCommand):
    help = "Number, print and mail the queued refund checks (finishing any interrupted run first)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many checks in the run")
        parser.add_argument("--void-stale", action="store_true", help="void stale checks first")

    def handle(self, *args, limit, void_stale, **options):
        if void_stale:
            voided = checks.void_stale_checks(limit=limit)
            self.stdout.write(f"voided {len(voided)} stale checks")
        run = checks.run_checks(limit=limit)
        if run is None:
            self.stdout.write("no checks to run")
            return
        self.stdout.write(
            f"check run {run.pk}: {run.check_count} checks, positive pay {run.positive_pay_file}"
        )
        self.stdout.write(f"register {run.register_file}")
