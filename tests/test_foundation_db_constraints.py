"""The database itself refuses impossible money rows, whatever code path tries to write them."""

import pytest
from django.db import IntegrityError, transaction

from debit.models import Deposit
from prepaid.models import Payment
from refunds.models import Refund
from tests.factories import (
    AccountFactory,
    DepositFactory,
    PaymentFactory,
    PrepaidAccountFactory,
    RefundFactory,
)

pytestmark = pytest.mark.django_db


def _bulk_insert(model, **fields):
    # bulk_create skips Python-side validation: only the database stands in the way.
    with transaction.atomic():
        model.objects.bulk_create([model(**fields)])


def test_negative_payment_amount_is_refused():
    prepaid = PrepaidAccountFactory()
    with pytest.raises(IntegrityError):
        _bulk_insert(Payment, prepaid_account=prepaid, amount_cents=-100, method="kiosk")
    with pytest.raises(IntegrityError, match="payment_amount_positive"):
        _bulk_insert(Payment, prepaid_account=prepaid, amount_cents=0, method="kiosk")
    assert Payment.objects.count() == 0


def test_negative_refund_and_deposit_amounts_are_refused():
    refund = RefundFactory.build(account=AccountFactory(), amount_cents=-2380)
    with pytest.raises(IntegrityError):
        _bulk_insert(Refund, **{f.name: getattr(refund, f.name) for f in Refund._meta.concrete_fields[1:]})
    deposit = DepositFactory()
    with pytest.raises(IntegrityError):
        _bulk_insert(
            Deposit, debit_account=deposit.debit_account, depositor=deposit.depositor, amount_cents=-5000
        )
    assert Refund.objects.count() == 0
    assert Deposit.objects.count() == 1


def test_duplicate_refund_idempotency_key_is_refused():
    first = RefundFactory(idempotency_key="deletion-7-prepaid-1")
    with pytest.raises(IntegrityError, match="idempotency_key"), transaction.atomic():
        RefundFactory(account=first.account, idempotency_key="deletion-7-prepaid-1")
    assert Refund.objects.filter(idempotency_key="deletion-7-prepaid-1").count() == 1


def test_ledger_refuses_a_payment_entry_without_a_credit():
    payment = PaymentFactory(ledger=False)
    from prepaid.models import LedgerEntry

    with pytest.raises(IntegrityError, match="ledger_payment_is_credit"), transaction.atomic():
        LedgerEntry.objects.create(
            prepaid_account=payment.prepaid_account, kind="payment", amount_cents=-2500, payment=payment
        )


def test_ledger_names_a_payment_call_or_refund_once():
    """One entry per payment, call and refund; entries that name none of them (adjustments) are many."""
    from prepaid.models import LedgerEntry
    from tests.factories import CallFactory

    call = CallFactory(posted=True)
    prepaid = call.prepaid_account
    with pytest.raises(IntegrityError, match="ledger_call_once"), transaction.atomic():
        LedgerEntry.objects.create(prepaid_account=prepaid, kind="call", amount_cents=-120, call=call)
    refund = RefundFactory(account=prepaid.account)
    LedgerEntry.objects.create(prepaid_account=prepaid, kind="refund", amount_cents=-100, refund=refund)
    with pytest.raises(IntegrityError, match="ledger_refund_once"), transaction.atomic():
        LedgerEntry.objects.create(prepaid_account=prepaid, kind="refund", amount_cents=-100, refund=refund)
    payment = PaymentFactory(prepaid_account=prepaid)
    with pytest.raises(IntegrityError, match="ledger_payment_once"), transaction.atomic():
        LedgerEntry.objects.create(
            prepaid_account=prepaid, kind="payment", amount_cents=2500, payment=payment
        )
    for _ in range(2):
        LedgerEntry.objects.create(prepaid_account=prepaid, kind="adjustment", amount_cents=5)
    assert LedgerEntry.objects.filter(prepaid_account=prepaid, kind="adjustment").count() == 2


def test_a_refund_is_replaced_once():
    first = RefundFactory()
    check = RefundFactory(account=first.account, method="check", payment=None)
    Refund.objects.filter(pk=first.pk).update(replaced_by=check)
    second = RefundFactory(account=first.account)
    with pytest.raises(IntegrityError, match="refund_replaced_by_once"), transaction.atomic():
        Refund.objects.filter(pk=second.pk).update(replaced_by=check)
    assert Refund.objects.filter(replaced_by=check).get() == first
