"""VideoConnect periodic work: thin, idempotent (acks_late), one service call."""

from dataclasses import asdict

from celery import shared_task


@shared_task(acks_late=True)
def reconcile_subscriptions(limit: int = 200) -> dict:
    """End subscriptions whose paid period is over (cancelled, or ended at Stripe); a missed webhook
    must not leave one active forever. Bounded by `limit`; the next run takes the rest."""
    from video import subscriptions

    result = asdict(subscriptions.reconcile_expired(limit=limit))
    result["stopped_at_stripe"] = subscriptions.stop_pending_renewals(limit=limit)
    return result


@shared_task(bind=True, acks_late=True, max_retries=8)
def stop_renewal_at_stripe(self, subscription_id: int) -> bool:
    """Cancel at Stripe a subscription that account deletion ended; retried while Stripe is unreachable."""
    from video import gateway, subscriptions

    try:
        return subscriptions.stop_renewal_at_stripe(subscription_id=subscription_id)
    except gateway.Unreachable as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
