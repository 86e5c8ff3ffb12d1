"""Stripe webhooks: verified, deduplicated by event id, dispatched by type.

Add a handler with one line in HANDLERS: the event type and the dotted path of a function taking the
verified event. It runs inside the transaction that records the event id, so a handler that raises
leaves the event unrecorded and Stripe's redelivery tries again."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from . import gateway
from .models import StripeEvent

log = logging.getLogger(__name__)

HANDLERS = {
    "refund.updated": "refunds.cards.handle_refund_event",
    "refund.failed": "refunds.cards.handle_refund_event",
    "invoice.paid": "video.subscriptions.handle_invoice_paid",
    "invoice.payment_failed": "video.subscriptions.handle_invoice_payment_failed",
    "customer.subscription.deleted": "video.subscriptions.handle_subscription_deleted",
}


class BadWebhook(Exception):
    pass


def handle_webhook(*, payload: bytes, signature: str) -> str:
    """Verify and handle one delivery. Returns "handled", "duplicate" or "ignored"; raises BadWebhook."""
    try:
        event = gateway.construct_event(payload=payload, signature=signature)
    except Exception as exc:  # ValueError (bad JSON) or SignatureVerificationError
        raise BadWebhook(str(exc)) from exc
    path = HANDLERS.get(event["type"])
    try:
        with transaction.atomic():
            StripeEvent.objects.create(event_id=event["id"], type=event["type"])
            if path is None:
                return "ignored"
            import_string(path)(event)
    except IntegrityError:
        log.info("webhook %s (%s) already handled", event["id"], event["type"])
        return "duplicate"
    return "handled"
