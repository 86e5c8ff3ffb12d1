"""AdvanceConnect closer: post the last day's calls, end TextPay/AutoPay, refund what remains by the method
of the last purchase (card charges newest first, never above what a charge still allows; rest by check)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BigIntegerField, CharField, DateTimeField, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce, JSONObject, Right

from refunds.issuing import issue_refunds
from refunds.models import Refund
from securus.closer_types import RefundLine, ServicePreview, local_today
from securus.compiled import CompiledInsert, CompiledValues, CompiledWrite, JSONList, Param, sum_of
from securus.money import dollars, format_cents, parse_cents

from .allocation import allocate_refunds
from .models import Call, Enrolment, LedgerEntry, PrepaidAccount

PENDING_CALL_WINDOW = timedelta(hours=24)


def allocate_refund(prepaid, amount_cents: int, today) -> list[RefundLine]:
    """Split a refund across the last purchase's route. Pure apart from reading payments."""
    return _allocate(prepaid.pk, amount_cents, today)


def _allocate(prepaid_id: int, amount_cents: int, today) -> list[RefundLine]:
    return allocate_refunds({prepaid_id: amount_cents}, today)[prepaid_id] if amount_cents > 0 else []


def _preview_query():
    """The open prepaid account with its balance, the unposted calls of the window and the running
    enrolments, in one statement (the preview runs on the Delete Account page and again at deletion)."""
    prepaid = OuterRef("pk")
    pending = Call.objects.filter(
        prepaid_account=prepaid,
        posted=False,
        started_at__gte=Param("since", DateTimeField()),
        started_at__lte=Param("now", DateTimeField()),
    )
    enrolled = Enrolment.objects.filter(prepaid_account=prepaid, ended_at__isnull=True)
    return (
        PrepaidAccount.objects.filter(
            account_id=Param("account", BigIntegerField()), status=PrepaidAccount.Status.OPEN
        )
        .order_by("pk")
        .values(
            "pk",
            balance=Coalesce(sum_of(LedgerEntry.objects.filter(prepaid_account=prepaid), "amount_cents"), 0),
            pending=Coalesce(sum_of(pending, "charge_cents"), 0),
            enrolled=JSONList(enrolled.values(item=JSONObject(kind="kind"))),
        )[:1]
    )


# Compiled once per process (securus.compiled): building the statement cost more than running it.
_PREVIEW = CompiledValues(_preview_query)


# The statements of close(), compiled once per process (securus.compiled): deletion runs each of them once,
# and building them through the ORM cost more than PostgreSQL spends running them.
def _param_prepaid():
    return Param("prepaid", BigIntegerField())


def _param_now():
    return Param("now", DateTimeField())


def _pending_calls():
    return Call.objects.filter(
        prepaid_account_id=_param_prepaid(),
        posted=False,
        started_at__gte=Param("since", DateTimeField()),
        started_at__lte=_param_now(),
    )


_CLOSE = CompiledWrite(
    lambda: PrepaidAccount.objects.filter(pk=_param_prepaid()),
    lambda: {"status": PrepaidAccount.Status.CLOSED.value, "closed_at": _param_now()},
)
_POST_CALLS = CompiledInsert(
    LedgerEntry,
    lambda: _pending_calls().filter(charge_cents__gt=0).order_by("started_at", "pk"),
    lambda: {
        "prepaid_account_id": _param_prepaid(),
        "created_at": _param_now(),
        "kind": Value(LedgerEntry.Kind.CALL.value),
        "amount_cents": -F("charge_cents"),
        "call_id": F("pk"),
        "memo": Value(""),
    },
)


def _charged_now():
    return LedgerEntry.objects.filter(
        prepaid_account_id=_param_prepaid(), kind=LedgerEntry.Kind.CALL, created_at=_param_now()
    ).values("call_id")


_MARK_POSTED = CompiledWrite(
    lambda: _pending_calls().filter(Q(charge_cents=0) | Q(pk__in=_charged_now())),
    lambda: {"posted": True, "posted_at": _param_now(), "number": Right("number", 4)},
)
# One row: the account's own, selected by its id, carries the entry's values.
_WRITE_OFF = CompiledInsert(
    LedgerEntry,
    lambda: PrepaidAccount.objects.filter(pk=_param_prepaid()),
    lambda: {
        "prepaid_account_id": F("pk"),
        "created_at": _param_now(),
        "kind": Value(LedgerEntry.Kind.ADJUSTMENT.value),
        "amount_cents": Param("amount", IntegerField()),
        "memo": Value(
            "Calls beyond the balance at closure are not charged: a prepaid balance never goes below zero."
        ),
    },
)
_END_ENROLMENTS = CompiledWrite(
    lambda: Enrolment.objects.filter(prepaid_account_id=_param_prepaid(), ended_at__isnull=True),
    lambda: {"ended_at": _param_now()},
)
_POST_REFUNDS = CompiledInsert(
    LedgerEntry,
    lambda: Refund.objects.filter(
        deletion_id=Param("deletion", BigIntegerField()), service=Param("service", CharField())
    ).order_by("pk"),
    lambda: {
        "prepaid_account_id": _param_prepaid(),
        "created_at": _param_now(),
        "kind": Value(LedgerEntry.Kind.REFUND.value),
        "amount_cents": -F("amount_cents"),
        "refund_id": F("pk"),
        "memo": Value(""),
    },
)


@dataclass(frozen=True)
class PrepaidData:
    prepaid_id: int
    since: datetime  # unposted calls from here on are posted at closure
    balance: int
    deducted: int
    pending: int


class PrepaidCloser:
    service = "prepaid"
    title = "AdvanceConnect prepaid calling"

    def preview(self, account, *, now) -> ServicePreview[PrepaidData] | None:
        since = now - PENDING_CALL_WINDOW
        found = _PREVIEW.rows(account=account.pk, since=since, now=now)
        if not found:
            return None
        (row,) = found
        prepaid_id, balance, pending_cents = row["pk"], row["balance"], row["pending"]
        # A prepaid balance never goes below zero: calls beyond it are not charged to the family member.
        deducted = min(pending_cents, max(balance, 0))
        refund_total = max(balance, 0) - deducted
        active = {item["kind"] for item in row["enrolled"]}
        refunds = _allocate(prepaid_id, refund_total, local_today(now))

        # The money (balance, last day's calls, refund) is shown once, in the plan's money summary; the
        # service card says only what happens to the service itself.
        details = [f"{Enrolment.Kind(kind).label} stops immediately." for kind in sorted(active)]
        details.append("The phone numbers on this account can no longer be called with this balance.")
        warnings = []
        if pending_cents > deducted:
            warnings.append(
                f"Recent calls cost more than your balance; the {dollars(pending_cents - deducted)} "
                "difference will not be charged to you."
            )
        headline = "Your prepaid calling account will be closed."
        report = {
            "closed": True,
            "balance_before": format_cents(balance),
            "deducted_last_24h": format_cents(deducted),
            "refund_total": format_cents(refund_total),
            "autopay_terminated": Enrolment.Kind.AUTOPAY in active,
            "textpay_terminated": Enrolment.Kind.TEXTPAY in active,
        }
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline=headline,
            details=details,
            warnings=warnings,
            refunds=refunds,
            report=report,
            data=PrepaidData(
                prepaid_id=prepaid_id,
                since=since,
                balance=balance,
                deducted=deducted,
                pending=pending_cents,
            ),
        )

    def close(self, account, deletion, preview: ServicePreview[PrepaidData], *, now) -> dict:
        prepaid_id = preview.data.prepaid_id
        # Closing the account first takes its row lock, as SELECT ... FOR UPDATE would, in one statement
        # fewer: nothing read before the commit depends on the status.
        if not _CLOSE.run(prepaid=prepaid_id, now=now):
            raise PrepaidAccount.DoesNotExist(f"AdvanceConnect #{prepaid_id} is gone")
        # Every balance change is a ledger row, written by INSERT ... SELECT: the statements are the same
        # for one call or refund as for hundreds.
        window = {"prepaid": prepaid_id, "since": preview.data.since, "now": now}
        _POST_CALLS.run(**window)
        # Posted: exactly the calls just written to the ledger (a call arriving meanwhile waits), and
        # those that cost nothing. The account is being deleted, and deletion leaves every call naming its
        # line by the last four digits only (deletion.services._retire): done here too, each posted call
        # is written once rather than twice.
        _MARK_POSTED.run(**window)
        write_off = preview.data.pending - preview.data.deducted
        if write_off:
            _WRITE_OFF.run(prepaid=prepaid_id, now=now, amount=write_off)
        _END_ENROLMENTS.run(prepaid=prepaid_id, now=now)

        issue_refunds(deletion=deletion, account=account, lines=preview.refunds, now=now)
        _POST_REFUNDS.run(prepaid=prepaid_id, now=now, deletion=deletion.pk, service=self.service)
        return preview.report

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says, from the outcome recorded at deletion."""
        lines = ["Your AdvanceConnect prepaid account is closed. Its balance can no longer pay for calls."]
        # Cents, not formatted strings, decide what is said.
        deducted = parse_cents(outcome.get("deducted_last_24h") or "0")
        if deducted:
            lines.append(f"{dollars(deducted)} was taken for calls from the last 24 hours.")
        refunded = parse_cents(outcome.get("refund_total") or "0")
        if refunded:
            lines.append(f"{dollars(refunded)} is being refunded to you (details below).")
        else:
            lines.append("There was no balance left to refund.")
        ended = [
            name
            for key, name in (("autopay", "AutoPay"), ("textpay", "TextPay"))
            if outcome.get(f"{key}_terminated")
        ]
        if ended:
            lines.append(f"{' and '.join(ended)} stopped.")
        return lines
