"""Customer care: what an agent does for a caller, through the same services as the family's own pages.
Every function takes the acting agent (`actor`) and the call reference, and writes one audit row in the same
transaction as the change (a deletion's row is written by delete_account itself)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts import addresses
from accounts.addresses import ADDRESS_FIELDS
from accounts.models import Account, Address, canonical_email, retired_email_digest
from audit.models import AuditEvent
from audit.services import record
from deletion.models import AccountDeletion
from deletion.services import DeletionError, delete_account, plan_deletion
from refunds.tracking import tracking_url
from securus.errors import Refused

log = logging.getLogger(__name__)


class CareError(Refused):
    """The action was refused; `message` is written for the actor."""


def _reference(call_reference: str) -> str:
    reference = (call_reference or "").strip()
    if not reference:
        raise CareError("Enter the call reference from the phone system.", code="call_reference")
    if len(reference) > 64:
        raise CareError("The call reference is at most 64 characters.", code="call_reference")
    return reference


def delete_on_behalf(
    *, account: Account, actor, call_reference: str, expected_fingerprint: str | None = None, now=None
) -> AccountDeletion:
    """Delete the caller's account, channel phone, the agent recorded. The agent must have read the same
    preview the family sees: `expected_fingerprint` refuses a deletion if anything changed since.
    The receipt goes to the account's email, as for a web deletion."""
    reference = _reference(call_reference)
    try:
        return delete_account(
            account,
            actor=actor,
            channel=AccountDeletion.Channel.PHONE,
            call_reference=reference,
            expected_fingerprint=expected_fingerprint,
            now=now,
        )
    except DeletionError as exc:
        raise CareError(exc.message, code=exc.code) from exc


def update_address(
    *, account: Account, actor, call_reference: str, verified_with_caller: bool, now=None, **fields
) -> Address:
    """Store the address the caller gives (USPS-normalised, or AddressInvalid). It counts as verified only
    if the agent read the result back and the caller confirmed it. The audit row names the fields that
    changed, never the address itself (it outlives the account's personal data)."""
    reference = _reference(call_reference)
    now = now or timezone.now()
    if account.is_deleted:
        raise CareError("This account is deleted: its address can no longer change.", code="deleted")
    clean = addresses.normalize_address(**{name: fields.get(name, "") for name in ADDRESS_FIELDS})
    with transaction.atomic():
        before = Address.objects.filter(account=account).first()
        changed = [
            name
            for name, value in clean.as_fields().items()
            if before is None or getattr(before, name) != value
        ]
        saved = addresses.save_address(account=account, clean=clean, verified=verified_with_caller, now=now)
        record(
            actor=actor,
            action=AuditEvent.Action.ADDRESS_UPDATED,
            obj=saved,
            object_repr="mailing address",
            channel=AuditEvent.Channel.PHONE,
            call_reference=reference,
            account=account,
            details={"changed": changed, "verified_with_caller": bool(verified_with_caller)},
            at=now,
        )
    return saved


def verify_address(*, account: Account, actor, call_reference: str, shown: str, now=None) -> Address:
    """The caller confirms the address the agent read out (`shown`, as displayed). Refused if it changed
    since the page was drawn."""
    reference = _reference(call_reference)
    now = now or timezone.now()
    with transaction.atomic():
        verified = addresses.verify_address(account=account, shown=shown, now=now)
        if verified is None:
            raise CareError(
                "The address changed since this page was shown (or there is none). Reload and read it again.",
                code="address_changed",
            )
        record(
            actor=actor,
            action=AuditEvent.Action.ADDRESS_VERIFIED,
            obj=verified,
            object_repr="mailing address",
            channel=AuditEvent.Channel.PHONE,
            call_reference=reference,
            account=account,
            at=now,
        )
    return verified


def masked_email(email: str) -> str:
    local, _, domain = canonical_email(email).partition("@")
    return f"{local[:1]}***@{domain}"


def resend_tracking_link(
    *,
    deletion: AccountDeletion,
    actor,
    call_reference: str,
    to_email: str = "",
    channel: str = "phone",
    now=None,
) -> str:
    """Email the refund tracking link again: to the contact email kept on the deletion, or to an address
    the caller gives (after the agent has identified them). Returns the address used."""
    reference = _reference(call_reference)
    recipient = (to_email or "").strip() or deletion.contact_email
    if not recipient:
        raise CareError(
            "There is no email on file for this refund. Ask the caller for one and enter it.", code="no_email"
        )
    if not deletion.refunds.exists():
        raise CareError("This deletion has no refund to follow.", code="no_refund")
    url = tracking_url(deletion.pk)
    with transaction.atomic():
        record(
            actor=actor,
            action=AuditEvent.Action.TRACKING_LINK_SENT,
            obj=deletion,
            channel=channel,
            call_reference=reference,
            account=deletion.account,
            details={
                "to_contact_email": recipient == deletion.contact_email,
                # Where it went, without keeping an address the holder may later have erased: the first
                # letter and the domain to read, the keyed digest to match a given address against.
                "sent_to": masked_email(recipient),
                "sent_to_digest": retired_email_digest(recipient),
            },
            at=now or timezone.now(),
        )

        def send():
            try:
                send_mail(
                    "Follow your Securus Online refund",
                    "Hello,\n\nAs you asked customer care, here is the link to follow your refund at any time, "
                    f"without signing in:\n\n{url}\n\nSecurus Online",
                    settings.DEFAULT_FROM_EMAIL,
                    [recipient],
                )
            except Exception:  # the agent is told the link was queued; the failure is in the log
                log.exception("deletion %s: tracking link email failed", deletion.pk)

        transaction.on_commit(send)
    return recipient


# --- reads for the agent's account page ------------------------------------------------------------


def account_page(account: Account) -> dict:
    """Everything the agent reads on the account page, in a fixed number of queries: every service's
    state, the same deletion preview families see (for an active account), and the money rows."""
    from deletion.models import ServiceClosure
    from deletion.selectors import account_overview, deletion_receipt
    from prepaid.models import Payment, PaymentMethod
    from refunds.models import Check
    from video.models import Subscription

    deletion = AccountDeletion.objects.filter(account=account).first()
    return {
        "overview": account_overview(account) if not account.is_deleted else None,
        "plan": plan_for_agent(account),
        "deletion": deletion,
        "subscriptions": list(
            Subscription.objects.filter(account=account)
            .select_related("facility")
            .order_by("-started_at")[:20]
        ),
        # Brand and last4 only: no fingerprint, no Stripe ids.
        "payments": [
            {**p, "method": PaymentMethod(p["method"]).label}
            for p in Payment.objects.filter(prepaid_account__account=account)
            .order_by("-created_at")
            .values("created_at", "amount_cents", "method", "card_brand", "card_last4")[:50]
        ],
        "checks": list(
            Check.objects.filter(refund__account=account)
            .select_related("refund")
            .order_by("-created_at")[:50]
        ),
        "closures": list(ServiceClosure.objects.filter(deletion=deletion).order_by("pk")) if deletion else [],
        # What deletion did, in the sentences the holder's receipt uses, one list per service.
        "deletion_sentences": deletion_receipt(deletion).services if deletion else [],
        "audit_events": list(AuditEvent.objects.filter(account=account).order_by("-at", "-pk")[:50]),
    }


def page_title(account: Account, deletion: AccountDeletion | None) -> str:
    """The holder's name heads the page, also after deletion erased it from the account (the deletion
    keeps the name it was made under)."""
    if deletion is not None:
        name = deletion.holder_name or f"Account {account.pk}"
        return f"{name} (deleted {timezone.localtime(deletion.created_at):%B %-d, %Y})"
    return account.name or f"Account {account.pk}"


def plan_for_agent(account: Account):
    return None if account.is_deleted else plan_deletion(account)
