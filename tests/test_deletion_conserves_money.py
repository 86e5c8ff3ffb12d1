"""Deletion conserves money for any account: what was held = refunded + deducted, to the cent."""

import itertools
from collections import defaultdict
from datetime import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deletion.scenario import load_scenario
from deletion.services import delete_account, plan_deletion
from prepaid.models import CARD_METHODS
from refunds.models import Refund

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")
METHODS = ["card", "card_phone", "western_union", "moneygram", "mail", "kiosk"]
_emails = itertools.count()

payments = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=400),  # days ago
        st.integers(min_value=1, max_value=20_000),  # cents
        st.sampled_from(METHODS),
        st.sampled_from(["4242", "1881"]),
    ),
    min_size=0,
    max_size=8,
)
calls = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=60 * 72),  # minutes ago: some within 24 hours, some older
        st.integers(min_value=1, max_value=3_000),
        st.booleans(),  # posted
    ),
    max_size=8,
)


def scenario(pay_rows, call_rows):
    return {
        "now": NOW.isoformat(),
        "account": {
            "email": f"prop{next(_emails)}@example.com",
            "password": "Prop-pass-2026",
            "name": "Pat Doe",
            "address": {"line1": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701"},
            "address_verified": True,
        },
        "prepaid": {
            "payments": [
                {"at": f"-{d}d", "amount": f"{c // 100}.{c % 100:02d}", "method": m}
                | ({"card_last4": last4} if m in CARD_METHODS else {})
                for d, c, m, last4 in pay_rows
            ],
            "calls": [
                {"at": f"-{m}m", "number": "+12145550100", "charge": f"{c // 100}.{c % 100:02d}", "posted": p}
                for m, c, p in call_rows
            ],
        },
    }


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pay_rows=payments, call_rows=calls)
def test_money_is_conserved(pay_rows, call_rows):
    with time_machine.travel(NOW, tick=False):
        account = load_scenario(data=scenario(pay_rows, call_rows))
        held = account.prepaid.balance_cents()
        plan = plan_deletion(account)
        deletion = delete_account(account, actor=None, channel="web")

    outcome = deletion.closures.get(service="prepaid").outcome
    refunds = list(Refund.objects.filter(deletion=deletion).select_related("payment"))
    refunded = sum(r.amount_cents for r in refunds)
    deducted = round(float(outcome["deducted_last_24h"]) * 100)

    assert round(float(outcome["balance_before"]) * 100) == held
    assert refunded == round(float(outcome["refund_total"]) * 100) == plan.refund_total_cents
    # What was held is refunded or deducted; a balance at or below zero owes nothing either way.
    assert max(held, 0) == refunded + deducted
    assert account.prepaid.balance_cents() == min(held, 0)

    per_charge = defaultdict(int)
    for refund in refunds:
        if refund.method == Refund.Method.CARD:
            per_charge[refund.payment_id] += refund.amount_cents
            assert refund.payment.is_card
            assert refund.card_last4 == refund.payment.card_last4
    for refund in refunds:
        if refund.payment_id:
            assert per_charge[refund.payment_id] <= refund.payment.amount_cents

    last = account.prepaid.payments.order_by("-created_at", "-pk").first()
    if refunds and (last is None or not last.is_card):
        assert [r.method for r in refunds] == ["check"]
    assert sum(r.method == "check" for r in refunds) <= 1
