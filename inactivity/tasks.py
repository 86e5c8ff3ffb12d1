"""Inactivity task: thin and idempotent (acks_late); a re-run finds its notices and closures recorded."""

from celery import shared_task


@shared_task(acks_late=True)
def inactivity_sweep(limit: int = 50000) -> int:
    from inactivity.sweep import sweep

    return len(sweep(limit=limit))
