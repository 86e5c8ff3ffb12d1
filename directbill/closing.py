"""Direct Bill closer: the closure request is held 7 to 10 calendar days so late calls and charges can
clear; the daily job then bills what is outstanding into a final statement (due 20 days later)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BigIntegerField, OuterRef

from securus.closer_types import ServicePreview, local_today
from securus.compiled import CompiledValues, CompiledWrite, Param, sum_of
from securus.money import dollars

from .models import Charge, ClosureRequest, DirectBillAccount

HOLD_DAYS = (7, 10)
FINAL_STATEMENT_DUE_DAYS = 20


def _preview_query():
    """The open Direct Bill account with what is not yet billed and what is billed and unpaid."""
    charges = Charge.objects.filter(directbill_account=OuterRef("pk"))
    return (
        DirectBillAccount.objects.filter(
            account_id=Param("account", BigIntegerField()), status=DirectBillAccount.Status.OPEN
        )
        .order_by("pk")
        .values(
            "pk",
            unbilled=sum_of(charges.filter(statement__isnull=True), "amount_cents"),
            unpaid=sum_of(charges.filter(statement__isnull=False, paid=False), "amount_cents"),
        )[:1]
    )


# Compiled once per process (securus.compiled): the preview runs on the page and again at deletion.
_PREVIEW = CompiledValues(_preview_query)


@dataclass(frozen=True)
class DirectBillData:
    directbill_id: int
    close_after: date
    close_by: date


class DirectBillCloser:
    service = "directbill"
    title = "Direct Bill"

    def preview(self, account, *, now) -> ServicePreview[DirectBillData] | None:
        found = _PREVIEW.rows(account=account.pk)
        if not found:
            return None
        (directbill,) = found
        today = local_today(now)
        close_after, close_by = today + timedelta(days=HOLD_DAYS[0]), today + timedelta(days=HOLD_DAYS[1])
        unbilled, unpaid = directbill["unbilled"] or 0, directbill["unpaid"] or 0
        email = account.user.email if account.user_id else ""
        details = [
            f"Your request is held until {close_after:%B %-d, %Y} (at the latest {close_by:%B %-d, %Y}) "
            "so that calls and charges not yet billed can reach the account.",
            "Calls and charges made before the account closes may still be billed: "
            + (f"{dollars(unbilled)} so far." if unbilled else "none so far."),
        ]
        if unpaid:
            details.append(f"Billed and still unpaid: {dollars(unpaid)}, due as on your statement.")
        details.append(
            "If anything is owed after the hold, a final statement will be emailed"
            + (f" to {email}" if email else "")
            + ", due 20 days after its date. If nothing is owed, the account closes with nothing to pay."
        )
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline=f"Will close after a hold of 7 to 10 days (by {close_by:%B %-d, %Y}).",
            details=details,
            report={
                "status": "closing",
                "close_after": close_after.isoformat(),
                "close_by": close_by.isoformat(),
            },
            data=DirectBillData(directbill_id=directbill["pk"], close_after=close_after, close_by=close_by),
        )

    def close(self, account, deletion, preview: ServicePreview[DirectBillData], *, now) -> dict:
        _START_CLOSING.run(directbill=preview.data.directbill_id)
        ClosureRequest.objects.create(
            directbill_account_id=preview.data.directbill_id,
            deletion=deletion,
            requested_at=now,
            close_after=preview.data.close_after,
            close_by=preview.data.close_by,
        )
        return preview.report

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says, from the outcome recorded at deletion."""
        try:
            close_by = date.fromisoformat(outcome["close_by"])
            close_after = date.fromisoformat(outcome["close_after"])
        except (KeyError, TypeError, ValueError):
            return ["Your Direct Bill account is closing after a short hold."]
        return [
            f"Your Direct Bill account closes between {close_after:%B %-d} and {close_by:%B %-d, %Y}. "
            "The wait lets any late calls or charges reach the account.",
            "If anything is owed then, a final statement will be sent, due 20 days after its date. "
            "If nothing is owed, there is nothing to pay.",
        ]


# Compiled once per process (securus.compiled): every deletion closes with the same statement.
_START_CLOSING = CompiledWrite(
    lambda: DirectBillAccount.objects.filter(pk=Param("directbill", BigIntegerField())),
    lambda: {"status": DirectBillAccount.Status.CLOSING.value},
)
