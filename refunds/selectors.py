"""Reads for the refund tracking page: a fixed number of queries whatever the number of refunds."""

from __future__ import annotations

from django.db.models import Prefetch

from securus.cards import card_label
from securus.money import dollars

from .models import Refund, RefundEvent, deletion_model

NEXT_STEP = {
    Refund.Status.PENDING: "We are sending the refund to your card.",
    Refund.Status.SUBMITTED: "Your card issuer is processing the refund; it may take until your next statement.",
    Refund.Status.SUCCEEDED: "Done: the money is back on your card.",
    Refund.Status.REPLACED: "Your card could not take it, so a check is being mailed instead (see below).",
    Refund.Status.CHECK_QUEUED: "Your check will be printed in the next check run (business days).",
    Refund.Status.CHECK_PRINTED: "Your check is printed and about to be mailed.",
    Refund.Status.CHECK_MAILED: "Your check is in the mail by USPS.",
    Refund.Status.CHECK_VOIDED: "Your check expired uncashed. Please call customer care to have it sent again.",
    Refund.Status.CHECK_RETURNED: "USPS returned your check. Please call customer care to update your address.",
}

_CHECK_SENT = {Refund.Status.CHECK_MAILED, Refund.Status.CHECK_VOIDED, Refund.Status.CHECK_RETURNED}


def tracking_page(*, deletion_id: int) -> dict | None:
    deletion = deletion_model().objects.filter(pk=deletion_id).first()
    if deletion is None:
        return None
    refunds = (
        Refund.objects.filter(deletion=deletion)
        .select_related("check_payment", "replaced_by")
        .prefetch_related(Prefetch("events", queryset=RefundEvent.objects.order_by("at", "pk")))
        .order_by("created_at", "pk")
    )
    rows = []
    for refund in refunds:
        if refund.method == Refund.Method.CARD:
            route = f"To your {card_label(refund.card_brand, refund.card_last4)}"
        else:
            check = getattr(refund, "check_payment", None)
            # City and state only: the tracking link must not reveal a street address.
            # "will be mailed" until USPS has it: the page must not say it went before it did.
            verb = "mailed" if refund.status in _CHECK_SENT else "will be mailed"
            if check and check.city:
                route = f"Check {verb} to {check.city}, {check.state}"
            else:
                route = f"Check {verb}" if verb == "mailed" else "Check to be mailed"
        rows.append(
            {
                "refund": refund,
                "amount": dollars(refund.amount_cents),
                "route": route,
                "status": refund.get_status_display(),
                "next_step": _next_step(refund),
                "is_final": refund.status in (Refund.Status.SUCCEEDED, Refund.Status.CHECK_MAILED),
                "events": list(refund.events.all()),
                "check_number": getattr(getattr(refund, "check_payment", None), "check_number", None),
            }
        )
    return {"deletion": deletion, "rows": rows}


def _next_step(refund: Refund) -> str:
    check = refund.replaced_by
    if refund.status == Refund.Status.REPLACED and check and check.amount_cents < refund.amount_cents:
        # Part of it had already gone back to the card outside the app: its own row shows that part.
        return (
            f"{dollars(refund.amount_cents - check.amount_cents)} of it had already gone back to your card, "
            f"so the other {dollars(check.amount_cents)} comes by mailed check instead (see below)."
        )
    return NEXT_STEP.get(refund.status, "")
