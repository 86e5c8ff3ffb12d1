"""Stripe webhooks: verified, checked for shape, deduplicated by event id, dispatched by type.

Add a handler with one line in HANDLERS: the event type and the dotted path of a function taking the
verified event. It runs inside the transaction that records the event id, so a handler that raises
leaves the event unrecorded and Stripe's redelivery tries again. A handler that needs Stripe's word
first names, in BEFORE, a function that asks for it before that transaction begins: no row is locked
while we wait on the network. A signed event whose object is not what Stripe sends (no id, a
non-numeric refund_id) is answered 400 and logged: redelivering it cannot help, and it must never
become a 500."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from securus import stripe as gateway

from .models import StripeEvent

log = logging.getLogger(__name__)

HANDLERS = {
    "refund.updated": "refunds.cards.handle_refund_event",
    "refund.failed": "refunds.cards.handle_refund_event",
    "invoice.paid": "video.subscriptions.handle_invoice_paid",
    "invoice.payment_failed": "video.subscriptions.handle_invoice_payment_failed",
    "customer.subscription.updated": "video.subscriptions.handle_subscription_updated",
    "customer.subscription.deleted": "video.subscriptions.handle_subscription_deleted",
}
# Run before the transaction, with the same verified event: they may call Stripe, must be safe to repeat
# (a duplicate delivery runs them again) and raise securus.stripe.Unreachable for a 500 (Stripe retries).
BEFORE = {
    "refund.updated": "refunds.cards.confirm_refund_event",
    "refund.failed": "refunds.cards.confirm_refund_event",
}
# Metadata our own objects carry that must be digits when present.
NUMERIC_METADATA = ("refund_id", "deletion_id", "account", "facility")


class BadWebhook(Exception):
    pass


def _check_shape(event) -> None:
    """Raise BadWebhook unless the event carries what every handler relies on."""
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise BadWebhook("event without id or type")
    data = event.get("data")
    obj = data.get("object") if data is not None else None
    if obj is None or not isinstance(obj.get("id"), str) or not obj.get("id"):
        raise BadWebhook(f"{event['type']} {event['id']}: object without an id")
    metadata = obj.get("metadata") or {}
    for key in NUMERIC_METADATA:
        value = metadata.get(key)
        if value not in (None, "") and not (str(value).isdigit() and len(str(value)) <= 18):
            raise BadWebhook(f"{event['type']} {event['id']}: metadata {key}={value!r} is not a number")


def handle_webhook(*, payload: bytes, signature: str) -> str:
    """Verify and handle one delivery. Returns "handled", "duplicate" or "ignored"; raises BadWebhook."""
    try:
        event = gateway.construct_event(payload=payload, signature=signature)
    except Exception as exc:  # ValueError (bad JSON) or SignatureVerificationError
        log.warning("webhook refused: %s", exc)
        raise BadWebhook(str(exc)) from exc
    try:
        _check_shape(event)
    except (BadWebhook, AttributeError, TypeError) as exc:
        log.warning("webhook refused (signed but malformed): %s", exc)
        raise BadWebhook(str(exc)) from exc
    path = HANDLERS.get(event["type"])
    try:
        if event["type"] in BEFORE:
            import_string(BEFORE[event["type"]])(event)
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
