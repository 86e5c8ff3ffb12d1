"""Refund tasks: thin, idempotent (acks_late), ids in, one service call each. Tasks import the services;
services never import tasks (they enqueue by name through refunds.enqueue)."""

import logging
from datetime import date

from celery import shared_task

from refunds import cards, checks, gateway

log = logging.getLogger(__name__)

# Backoff for transient Stripe errors: 30 s, 1 min, 2 min ... capped at 30 min. After the last retry the
# refund stays pending and the sweep picks it up again.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 1800
MAX_RETRIES = 8


# No result is stored: nothing reads it, and at hundreds of refunds a second the writes add up.
@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def submit_card_refund(self, refund_id: int) -> None:
    try:
        cards.submit_card_refund(refund_id)
    except gateway.Unreachable as exc:
        countdown = min(RETRY_BASE_SECONDS * 2**self.request.retries, RETRY_MAX_SECONDS)
        log.warning("refund %s: %s; retry in %s s", refund_id, exc, countdown)
        cards.note_retry(refund_id=refund_id, countdown=countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True, ignore_result=True)
def submit_card_refunds(refund_ids: list[int]) -> None:
    """One message per deletion: each card refund then gets a task of its own (retried on its own). Sent
    again after a crash, the refunds are enqueued twice, which submit_card_refund tolerates."""
    for refund_id in refund_ids:
        submit_card_refund.delay(refund_id)


@shared_task(acks_late=True)
def sweep_pending_card_refunds(limit: int = 200) -> int:
    return len(cards.sweep_pending(limit=limit))


@shared_task(acks_late=True)
def settle_unheard_card_refunds(limit: int = 200) -> int:
    return len(cards.settle_unheard(limit=limit))


@shared_task(acks_late=True)
def erase_settled_snapshots(limit: int = 500) -> int:
    return cards.erase_settled_snapshots(limit=limit)


@shared_task(acks_late=True)
def run_checks(limit: int = 2000, today: str | None = None) -> int | None:
    run = checks.run_checks_if_business_day(limit=limit, today=date.fromisoformat(today) if today else None)
    return run.pk if run else None


@shared_task(acks_late=True)
def void_stale_checks(limit: int = 500) -> int:
    return len(checks.void_stale_checks(limit=limit))
