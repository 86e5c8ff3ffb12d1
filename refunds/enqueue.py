"""Handing work to the refund tasks by name, so services never import the tasks module (the tasks import
the services). The tasks are registered when the app loads (RefundsConfig.ready)."""

from securus.celery import app

SUBMIT_CARD_REFUND = "refunds.tasks.submit_card_refund"
SUBMIT_CARD_REFUNDS = "refunds.tasks.submit_card_refunds"


def submit_card_refund_later(refund_id: int) -> None:
    """Enqueue one card refund; raises when the broker cannot be reached."""
    app.tasks[SUBMIT_CARD_REFUND].delay(refund_id)


def submit_card_refunds_later(refund_ids: list[int]) -> None:
    """Enqueue a deletion's card refunds in one message (the worker fans them out); raises when the broker
    cannot be reached."""
    app.tasks[SUBMIT_CARD_REFUNDS].delay(refund_ids)
