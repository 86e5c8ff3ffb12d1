"""Local builders for refund tests: an account deleted with a card charge or a check owed."""

from datetime import date

from django.utils import timezone

from accounts.models import Account
from deletion.models import AccountDeletion
from prepaid.models import Payment, PrepaidAccount
from refunds.models import Check, Refund, RefundEvent

ADDRESS = {"line1": "12 Oak St", "line2": "", "city": "Dallas", "state": "TX", "zip_code": "75201"}


def make_deletion(name="Ana Diaz", email="ana@example.com"):
    account = Account.objects.create(name=name, status=Account.Status.DELETED, deleted_at=timezone.now())
    return AccountDeletion.objects.create(
        account=account, channel="web", holder_name=name, contact_email=email, mailing_address=dict(ADDRESS)
    )


def make_card_refund(*, deletion, charge_id, amount_cents=2380, brand="visa", last4="4242"):
    prepaid, _ = PrepaidAccount.objects.get_or_create(account=deletion.account)
    payment = Payment.objects.create(
        prepaid_account=prepaid,
        amount_cents=amount_cents,
        method="card",
        card_brand=brand,
        card_last4=last4,
        stripe_charge_id=charge_id,
    )
    refund = Refund.objects.create(
        account=deletion.account,
        deletion=deletion,
        amount_cents=amount_cents,
        method="card",
        payment=payment,
        card_brand=brand,
        card_last4=last4,
        expected_from=date(2026, 12, 1),
        expected_to=date(2026, 12, 2),
        idempotency_key=f"refund-{deletion.pk}-charge-{payment.pk}",
    )
    RefundEvent.objects.create(refund=refund, status=refund.status)
    return refund


def make_check_refund(*, deletion, amount_cents=1500, key=None):
    refund = Refund.objects.create(
        account=deletion.account,
        deletion=deletion,
        amount_cents=amount_cents,
        method="check",
        status="check_queued",
        expected_from=date(2026, 12, 10),
        expected_to=date(2026, 12, 17),
        idempotency_key=key or f"refund-{deletion.pk}-check-{Refund.objects.count()}",
    )
    RefundEvent.objects.create(refund=refund, status=refund.status)
    Check.objects.create(
        refund=refund,
        amount_cents=amount_cents,
        payee=deletion.holder_name,
        line1=ADDRESS["line1"],
        city=ADDRESS["city"],
        state=ADDRESS["state"],
        zip_code=ADDRESS["zip_code"],
    )
    return refund


def one_refund_per_allocation(fake, refunds):
    """The invariant: each card allocation reached Stripe at most once, and none is both refunded and checked."""
    for refund in refunds:
        refund.refresh_from_db()
        stripe_refunds = fake.refunds_for(refund.payment.stripe_charge_id)
        assert len(stripe_refunds) <= 1, stripe_refunds
        if refund.replaced_by_id:
            assert stripe_refunds == [] or stripe_refunds[0]["status"] == "failed"
