"""Throughput of the inactivity sweep, for `make bench` (key `inactivity_sweep_per_min`): `n` inactive
AdvanceConnect accounts are created set-based, then swept twice: the notice pass and, 30 days later,
the closure pass (half refunded to a card, a quarter by check, a quarter held for lack of an address)."""

import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Account, Address, User
from prepaid.models import LedgerEntry, Payment, PrepaidAccount

from .sweep import sweep


def seed_inactive_accounts(n: int, *, now, days: int = 200) -> list[int]:
    """`n` accounts whose last activity was `days` before `now`, in a handful of bulk inserts."""
    at = now - timedelta(days=days)
    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"inactive-{tag}-{i}@example.com", name=f"Holder {i}", password="!", last_login=at)
            for i in range(n)
        )
        accounts = Account.objects.bulk_create(Account(user=u, name=u.name, created_at=at) for u in users)
        Address.objects.bulk_create(
            Address(account=a, line1=f"{i} OAK ST", city="DALLAS", state="TX", zip_code="75201")
            for i, a in enumerate(accounts)
            if i % 4 != 3
        )
        prepaids = PrepaidAccount.objects.bulk_create(
            PrepaidAccount(account=a, opened_at=at) for a in accounts
        )
        payments = Payment.objects.bulk_create(
            Payment(
                prepaid_account=p,
                created_at=at,
                amount_cents=2500,
                **(
                    {
                        "method": "card",
                        "card_brand": "visa",
                        "card_last4": "4242",
                        "card_fingerprint": f"fp_{tag}_{i}",
                        "stripe_charge_id": f"ch_bench_{tag}_{i}",
                    }
                    if i % 2 == 0
                    else {"method": "western_union"}
                ),
            )
            for i, p in enumerate(prepaids)
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                prepaid_account_id=p.prepaid_account_id,
                created_at=at,
                kind=LedgerEntry.Kind.PAYMENT,
                amount_cents=p.amount_cents,
                payment=p,
            )
            for p in payments
        )
    return [p.pk for p in prepaids]


def measure_sweep(n: int = 10_000, *, now=None) -> dict:
    """Seed `n` accounts, run the notice pass and the closure pass; accounts per minute of each. Card
    refunds are enqueued after commit: the broker is not under test, so they are counted, not sent."""
    now = now or timezone.now()
    seed_inactive_accounts(n, now=now)
    result = {"accounts": n}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for name, moment in (("notice", now), ("close", now + timedelta(days=30))):
            start = time.perf_counter()
            with _no_enqueue():
                actions = sweep(now=moment)
            seconds = time.perf_counter() - start
            result[f"{name}_actions"] = len(actions)
            result[f"{name}_per_min"] = round(len(actions) / seconds * 60)
    result["inactivity_sweep_per_min"] = min(result["notice_per_min"], result["close_per_min"])
    return result


class _no_enqueue:
    """Keep card-refund tasks out of the measurement (they run on the worker, not in the sweep)."""

    def __enter__(self):
        from refunds import issuing

        self._saved = issuing.enqueue_card_refunds
        issuing.enqueue_card_refunds = lambda ids, **options: None

    def __exit__(self, *exc):
        from refunds import issuing

        issuing.enqueue_card_refunds = self._saved
