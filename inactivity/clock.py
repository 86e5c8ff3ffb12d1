"""The inactivity clock of an AdvanceConnect account: the latest of its opening, a payment, a call, the
holder signing in to Securus Online, and the holder asking to keep the account. Computed in SQL (one
correlated, index-served subquery each), so the sweep filters thousands of accounts in one query."""

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from prepaid.models import Call, LedgerEntry, Payment

from .models import KeepRequest


def _latest(model, field):
    return Subquery(
        model.objects.filter(prepaid_account=OuterRef("pk")).order_by(f"-{field}").values(field)[:1]
    )


def with_clock(queryset):
    """Annotate PrepaidAccounts with each activity time, `last_activity_at`, `balance` and `state` (of the
    address on record; "" without one)."""
    balance = (
        LedgerEntry.objects.filter(prepaid_account=OuterRef("pk"))
        .values("prepaid_account")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return queryset.annotate(
        last_payment_at=_latest(Payment, "created_at"),
        last_call_at=_latest(Call, "started_at"),
        last_keep_at=_latest(KeepRequest, "at"),
        last_login_at=F("account__user__last_login"),
        # Each falls back to the opening, so a missing kind of activity never hides the others.
        last_activity_at=Greatest(
            F("opened_at"),
            Coalesce("last_payment_at", "opened_at"),
            Coalesce("last_call_at", "opened_at"),
            Coalesce("last_keep_at", "opened_at"),
            Coalesce("last_login_at", "opened_at"),
        ),
        balance=Coalesce(Subquery(balance), Value(0)),
        state=Coalesce(F("account__address__state"), Value("")),
    )
