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


def _check_shape(event) -> None:
    """Signed is not well-formed: every handler reads an event id, a type and data.object with an id."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise BadWebhook("event without an id or a type")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
        raise BadWebhook("event without data.object.id")


def handle_webhook(*, payload: bytes, signature: str) -> str:
    """Verify and handle one delivery. Returns "handled", "duplicate" or "ignored"; raises BadWebhook."""
    try:
        event = gateway.construct_event(payload=payload, signature=signature)
    except Exception as exc:  # ValueError (bad JSON) or SignatureVerificationError
        raise BadWebhook(str(exc)) from exc
    _check_shape(event)
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
    except (KeyError, TypeError, ValueError) as exc:
        # A field a handler needs is missing or malformed: refused (and rolled back), never half-handled.
        log.warning("webhook %s (%s) refused: %r", event["id"], event["type"], exc)
        raise BadWebhook(f"malformed {event['type']} event") from exc
    return "handled"
