"""Plain-text status emails, one at each step of a refund, to the contact email kept on the deletion."""

from __future__ import annotations

import functools
import logging

from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from securus.cards import card_label
from securus.money import dollars

from .models import Refund
from .tracking import tracking_url

log = logging.getLogger(__name__)

SUBJECTS = {
    Refund.Status.SUBMITTED: "Your refund is on its way to your card",
    Refund.Status.SUCCEEDED: "Your card refund is complete",
    Refund.Status.REPLACED: "We will mail you a check instead",
    Refund.Status.CHECK_PRINTED: "Your refund check has been printed",
    Refund.Status.CHECK_MAILED: "Your refund check is in the mail",
    Refund.Status.CHECK_VOIDED: "Your refund check has expired",
}


def _route(refund: Refund) -> str:
    if refund.method == Refund.Method.CARD:
        return f"your {card_label(refund.card_brand, refund.card_last4)}"
    check = getattr(refund, "check_payment", None)
    where = f" to {check.city}, {check.state}" if check and check.city else ""
    return f"a check mailed by USPS{where}"


def _mailed_text(amount_cents: int, expected_to) -> str:
    return (
        f"Your refund check for {dollars(amount_cents)} has been mailed by USPS. "
        f"Please allow until {_month_day(expected_to)} for it to arrive."
    )


@functools.lru_cache(maxsize=512)
def _month_day(day) -> str:
    return f"{day:%B %-d}"  # a check run's thousands of emails share a few dates


def _letter(text: str, *, deletion_id: int, tracking_key: str) -> str:
    # The caller has the deletion's tracking key already (it read the recipient): no query per email.
    url = tracking_url(deletion_id, token=tracking_key)
    return "\n\n".join(
        [
            "Hello,",
            text,
            f"You can follow your refund at any time, without signing in: {url}",
            "Securus Online",
        ]
    )


def _body(refund: Refund, status: str, note: str) -> str:
    amount = dollars(refund.amount_cents)
    lines = {  # each built only when its status is the one sent
        Refund.Status.SUBMITTED: lambda: (
            f"We have asked your card issuer to return {amount} to {_route(refund)}. "
            f"Most banks show it between {refund.expected_from:%B %-d} and {refund.expected_to:%B %-d}; "
            "it can take until your next statement to appear."
        ),
        Refund.Status.SUCCEEDED: lambda: f"The refund of {amount} to {_route(refund)} has been completed.",
        Refund.Status.REPLACED: lambda: (
            f"Your card could not take the refund of {amount} ({note}). "
            "We will send the money as a check to the address you gave us instead."
        ),
        Refund.Status.CHECK_PRINTED: lambda: (
            f"Your refund check for {amount} has been printed and will be mailed shortly."
        ),
        Refund.Status.CHECK_MAILED: lambda: _mailed_text(refund.amount_cents, refund.expected_to),
        Refund.Status.CHECK_VOIDED: lambda: (
            f"Your refund check for {amount} was not cashed in time and has been "
            "voided. Please contact customer care to have it sent again."
        ),
    }
    return _letter(lines[status](), deletion_id=refund.deletion_id, tracking_key=refund.deletion.tracking_key)


def send_status_email(*, refund: Refund, status: str, note: str = "") -> None:
    """Queue the email for after commit (a rolled-back change sends nothing). No contact email: no email."""
    send_status_emails(refunds=[refund], status=status, note=note)


def send_status_emails(*, refunds, status: str, note: str = "") -> None:
    """The same email for many refunds, sent after commit over one mail connection."""
    if status not in SUBJECTS:
        return
    messages = [
        EmailMessage(SUBJECTS[status], _body(refund, status, note), None, [refund.deletion.contact_email])
        for refund in refunds
        if refund.deletion_id is not None and refund.deletion.contact_email
    ]
    _send_after_commit(messages, refund_ids=[r.pk for r in refunds])


def send_check_mailed_emails(rows) -> None:
    """The check run's "check mailed" email to each holder, the same as send_status_emails writes, from
    rows the run read in bulk with its update: (refund id, deletion id, amount_cents, expected_to,
    contact email, tracking key). No model is loaded per check."""
    subject = SUBJECTS[Refund.Status.CHECK_MAILED]
    messages = [
        EmailMessage(
            subject,
            _letter(_mailed_text(amount_cents, expected_to), deletion_id=deletion_id, tracking_key=key),
            None,
            [email],
        )
        for _, deletion_id, amount_cents, expected_to, email, key in rows
        if deletion_id is not None and email
    ]
    _send_after_commit(messages, refund_ids=[row[0] for row in rows])


def _send_after_commit(messages: list[EmailMessage], *, refund_ids: list[int]) -> None:
    if not messages:
        return

    def send():
        try:
            get_connection().send_messages(messages)
        except Exception:  # an email that fails must never undo or block the money moving
            log.exception("refund status emails failed: %s", refund_ids)

    transaction.on_commit(send)
