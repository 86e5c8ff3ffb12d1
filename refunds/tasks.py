"""Refund tasks: thin, idempotent (acks_late), ids in, one service call each."""

from celery import shared_task


@shared_task(acks_late=True)
def submit_card_refund(refund_id: int) -> None:
    from refunds import cards

    cards.submit_card_refund(refund_id)
