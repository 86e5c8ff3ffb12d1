from django.core.management.base import BaseCommand

from deletion.demo import place_demo_at_stripe


class Command(BaseCommand):
    help = (
        "Create the demo accounts' card charges and VideoConnect subscriptions at Stripe (the local fake or "
        "test mode) where Stripe does not have them yet. `make run` runs it once the fake Stripe answers."
    )

    def handle(self, *args, **options):
        placed = place_demo_at_stripe()
        self.stdout.write(
            f"placed at Stripe: {placed['charges']} charges, {placed['subscriptions']} subscriptions"
        )
