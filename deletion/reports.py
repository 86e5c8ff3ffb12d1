"""The deletion report of DESIGN.md, for the CLI, support and tests."""

from django.utils import timezone

from accounts.models import Account, canonical_email
from refunds.models import Refund
from securus.money import format_cents

from .models import AccountDeletion
from .services import find_deletion_by_email, plan_deletion


def refund_report(refund: Refund) -> dict:
    row = {"amount": format_cents(refund.amount_cents), "method": refund.method}
    if refund.method == Refund.Method.CARD:
        row["card_last4"] = refund.card_last4
    row.update(
        expected_from=refund.expected_from.isoformat(),
        expected_to=refund.expected_to.isoformat(),
        status=refund.status,
    )
    return row


def deletion_report(deletion: AccountDeletion, *, email: str) -> dict:
    closures = deletion.closures.all()
    refunds = deletion.refunds.order_by("pk")
    return {
        "email": email,
        "status": "deleted",
        "channel": deletion.channel,
        "deleted_at": timezone.localtime(deletion.created_at).isoformat(),
        "services": {c.service: c.outcome for c in sorted(closures, key=lambda c: c.pk)},
        "refunds": [refund_report(r) for r in refunds],
    }


def active_account_report(account: Account, *, email: str) -> dict:
    """For an account not yet deleted: what deletion would do, in the same shape."""
    plan = plan_deletion(account)
    return {
        "email": email,
        "status": "active",
        "services": {s.service: s.report for s in plan.services},
        "refunds": [
            {
                "amount": format_cents(r.amount_cents),
                "method": r.method,
                **({"card_last4": r.card_last4} if r.method == Refund.Method.CARD else {}),
                "expected_from": r.expected_from.isoformat(),
                "expected_to": r.expected_to.isoformat(),
                "status": "planned",
            }
            for r in plan.refunds
        ],
    }


def report_for_email(email: str) -> dict | None:
    deletion = find_deletion_by_email(email)
    if deletion is not None:
        return deletion_report(deletion, email=email)
    account = Account.objects.filter(user__email=canonical_email(email), status=Account.Status.ACTIVE).first()
    if account is not None:
        return active_account_report(account, email=email)
    return None
