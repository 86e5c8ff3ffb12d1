import json

from django.core.management.base import BaseCommand, CommandError

from deletion.reports import report_for_email


class Command(BaseCommand):
    help = "Print what deletion did to an account (or would do, if it is still active)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, email, **options):
        report = report_for_email(email)
        if report is None:
            raise CommandError(f"No account or deletion found for {email!r}.")
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"{report['email']}: {report['status']}")
        for service, outcome in report["services"].items():
            self.stdout.write(f"  {service}: " + ", ".join(f"{k}={v}" for k, v in outcome.items()))
        for refund in report["refunds"]:
            self.stdout.write(
                f"  refund {refund['amount']} by {refund['method']} "
                f"({refund['expected_from']} to {refund['expected_to']}): {refund['status']}"
            )
