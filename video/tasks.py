"""VideoConnect periodic work: thin, idempotent (acks_late), one service call."""

from dataclasses import asdict

from celery import shared_task


@shared_task(acks_late=True)
def reconcile_subscriptions(limit: int = 200) -> dict:
    """End subscriptions whose paid period is over (cancelled, or ended at Stripe); a missed webhook
    must not leave one active forever. Bounded by `limit`; the next run takes the rest."""
    from video import subscriptions

    return asdict(subscriptions.reconcile_expired(limit=limit))
