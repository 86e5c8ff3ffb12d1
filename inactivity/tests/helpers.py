from datetime import UTC, datetime, timedelta

from inactivity.sweep import sweep
from tests.factories import AccountFactory, PaymentFactory, PrepaidAccountFactory, UserFactory

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def days_ago(days: int, *, now=NOW) -> datetime:
    return now - timedelta(days=days)


def inactive_prepaid(*, days: int, cents: int = 2500, method: str = "card", address=True, **account):
    """An AdvanceConnect account whose only activity (opening, sign-in, payment) was `days` ago."""
    at = days_ago(days)
    user = UserFactory(last_login=at)
    acct = (
        AccountFactory(user=user, **account)
        if address
        else AccountFactory(user=user, address=None, **account)
    )
    prepaid = PrepaidAccountFactory(account=acct, opened_at=at)
    PaymentFactory(prepaid_account=prepaid, created_at=at, amount_cents=cents, method=method)
    return prepaid


def actions_at(now, **kwargs) -> list[tuple[str, str]]:
    return [(a["email"], a["action"]) for a in sweep(now=now, **kwargs)]
