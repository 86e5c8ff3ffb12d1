"""Reads for the account pages. Each runs a fixed number of queries, however long the account's history."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from accounts.models import Account
from debit.models import Deposit
from directbill.models import Charge, DirectBillAccount, Statement
from messaging.models import StampEntry
from prepaid.models import Enrolment, LedgerEntry, Payment, PaymentMethod, PhoneNumber, PrepaidAccount
from refunds.models import Refund
from securus.cards import card_label
from securus.closer_types import RefundLine
from securus.compiled import CompiledValues, JSONList, Param, sum_of
from video import sessions as video_sessions
from video import subscriptions as video_subscriptions

from .closers import closers
from .models import AccountDeletion, ServiceClosure


@dataclass(frozen=True)
class PrepaidCard:
    status: str
    balance_cents: int
    last_method: str  # label, "" when nothing was ever bought
    last_card: str  # "Visa ending 4242" for card purchases
    last_paid_at: object
    enrolments: list[str]
    phone_numbers: list[str]


@dataclass(frozen=True)
class DirectBillCard:
    status: str
    phone_number: str
    due_cents: int
    unbilled_cents: int
    due_date: date | None


@dataclass(frozen=True)
class DebitCard:
    deposits: list[tuple[str, int]]  # (incarcerated person, total deposited)


@dataclass(frozen=True)
class AccountOverview:
    account: Account
    prepaid: PrepaidCard | None = None
    directbill: DirectBillCard | None = None
    debit: DebitCard | None = None
    stamps: int | None = None
    # VideoConnect's cards (drawn by the video app's template tag): open subscriptions with their
    # facility, the next scheduled sessions, and how many more are scheduled after those.
    video_subscriptions: list = field(default_factory=list)
    video_sessions: list[dict] = field(default_factory=list)
    video_more_sessions: int = 0


LIST_SHOWN = 20  # phone numbers, and people deposited for, listed on a card


def _overview_query():
    """Everything the service cards show, in one statement: the account row joined to its prepaid and
    Direct Bill accounts, each figure a correlated subquery on them (served by the ledgers' account
    indexes), each list a JSON list (one round trip to the database instead of one per list)."""
    mine, prepaid, directbill = OuterRef("pk"), OuterRef("prepaid__pk"), OuterRef("directbill__pk")
    last = Payment.objects.filter(prepaid_account=prepaid).order_by("-created_at", "-pk")
    enrolled = Enrolment.objects.filter(prepaid_account=prepaid, ended_at__isnull=True)
    charges = Charge.objects.filter(directbill_account=directbill)
    next_due = Statement.objects.filter(directbill_account=directbill, charges__paid=False).order_by(
        "due_date"
    )
    numbers = (
        PhoneNumber.objects.filter(prepaid_account=prepaid)
        .order_by("number")
        .values(item=JSONObject(number="number"))[:LIST_SHOWN]
    )
    deposits = (
        Deposit.objects.filter(depositor=mine)
        .values("debit_account__owner__name")
        .annotate(item=JSONObject(name="debit_account__owner__name", total=Sum("amount_cents")))
        .order_by("debit_account__owner__name")
        .values("item")[:LIST_SHOWN]
    )
    return Account.objects.filter(pk=Param("account", BigIntegerField())).values(
        prepaid_id=F("prepaid__pk"),
        prepaid_status=F("prepaid__status"),
        balance=Coalesce(sum_of(LedgerEntry.objects.filter(prepaid_account=prepaid), "amount_cents"), 0),
        last_method=Subquery(last.values("method")[:1]),
        last_brand=Subquery(last.values("card_brand")[:1]),
        last_last4=Subquery(last.values("card_last4")[:1]),
        last_at=Subquery(last.values("created_at")[:1]),
        autopay=Exists(enrolled.filter(kind=Enrolment.Kind.AUTOPAY)),
        textpay=Exists(enrolled.filter(kind=Enrolment.Kind.TEXTPAY)),
        phone_numbers=JSONList(numbers),
        directbill_id=F("directbill__pk"),
        directbill_status=F("directbill__status"),
        directbill_phone=F("directbill__phone_number"),
        due=Coalesce(sum_of(charges.filter(statement__isnull=False, paid=False), "amount_cents"), 0),
        unbilled=Coalesce(sum_of(charges.filter(statement__isnull=True), "amount_cents"), 0),
        next_due=Subquery(next_due.values("due_date")[:1]),
        deposits=JSONList(deposits),
        stamps=sum_of(StampEntry.objects.filter(account=mine), "stamps"),
        open_subscriptions=video_subscriptions.listed_list(mine),
        upcoming_sessions=video_sessions.upcoming_list(mine, now=Param("now", DateTimeField())),
    )


# Compiled once per process: building that statement cost more than running it.
_OVERVIEW = CompiledValues(_overview_query)


def _prepaid_card(row: dict) -> PrepaidCard | None:
    if row["prepaid_id"] is None:
        return None
    is_card = row["last_method"] in (PaymentMethod.CARD, PaymentMethod.CARD_PHONE)
    enrolled = [
        kind
        for kind, on in ((Enrolment.Kind.AUTOPAY, row["autopay"]), (Enrolment.Kind.TEXTPAY, row["textpay"]))
        if on
    ]
    return PrepaidCard(
        status=PrepaidAccount.Status(row["prepaid_status"]).label,
        balance_cents=row["balance"],
        last_method=PaymentMethod(row["last_method"]).label if row["last_method"] else "",
        last_card=card_label(row["last_brand"], row["last_last4"]) if is_card else "",
        last_paid_at=row["last_at"],
        enrolments=[kind.label for kind in enrolled],
        phone_numbers=sorted(item["number"] for item in row["phone_numbers"]),
    )


def _directbill_card(row: dict) -> DirectBillCard | None:
    if row["directbill_id"] is None:
        return None
    return DirectBillCard(
        status=DirectBillAccount.Status(row["directbill_status"]).label,
        phone_number=row["directbill_phone"] or "",
        due_cents=row["due"],
        unbilled_cents=row["unbilled"],
        due_date=row["next_due"] if row["due"] else None,
    )


def _debit_card(row: dict) -> DebitCard | None:
    if not row["deposits"]:
        return None
    return DebitCard(deposits=sorted((item["name"], item["total"]) for item in row["deposits"]))


def account_overview(account: Account, *, now=None) -> AccountOverview:
    """One card per service the account has used, in one query."""
    (row,) = _OVERVIEW.rows(account=account.pk, now=now or timezone.now())
    sessions, more = video_sessions.upcoming_from_list(row["upcoming_sessions"])
    return AccountOverview(
        account=account,
        prepaid=_prepaid_card(row),
        directbill=_directbill_card(row),
        debit=_debit_card(row),
        stamps=None if row["stamps"] is None else max(row["stamps"], 0),
        video_subscriptions=video_subscriptions.listed_from_list(row["open_subscriptions"]),
        video_sessions=sessions,
        video_more_sessions=more,
    )


# --- the receipt after deletion ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptService:
    service: str
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    deletion: AccountDeletion
    services: list[ReceiptService]
    refunds: list[RefundLine]  # one line per card (however many of its charges) and one per check
    refund_total_cents: int
    check_destination: str


def _receipt_routes():
    return (
        Refund.objects.filter(deletion_id=Param("deletion", BigIntegerField()))
        .exclude(status=Refund.Status.REPLACED)  # its replacement check is listed instead
        .annotate(check_refund=Case(When(method=Refund.Method.CHECK, then=F("pk"))))
        .values("method", "card_brand", "card_last4", "expected_from", "expected_to", "check_refund")
        .annotate(total=Sum("amount_cents"), parts=Count("pk"), first=Min("pk"))
        .order_by("first")
    )


# Compiled once per process (securus.compiled): the receipt is built for its email at every deletion.
_RECEIPT_ROUTES = CompiledValues(_receipt_routes)
_RECEIPT_CLOSURES = CompiledValues(
    lambda: (
        ServiceClosure.objects.filter(deletion_id=Param("deletion", BigIntegerField()))
        .order_by("pk")
        .values("service", "outcome")
    )
)


def deletion_receipt(deletion: AccountDeletion) -> Receipt:
    """What happened to each service and each refund, from what the deletion recorded (3 queries).
    Refunds read as on the Delete Account page: one line per card, summed in the database over its
    charges, so a balance returned against hundreds of charges is one line; each check is its own."""
    closures = _RECEIPT_CLOSURES.rows(deletion=deletion.pk)
    by_service = {closer.service: closer for closer in closers()}
    routes = _RECEIPT_ROUTES.rows(deletion=deletion.pk)
    refunds = [
        RefundLine(
            amount_cents=r["total"],
            method=r["method"],
            expected_from=r["expected_from"],
            expected_to=r["expected_to"],
            card_brand=r["card_brand"],
            card_last4=r["card_last4"],
            parts=r["parts"],
        )
        for r in routes
    ]
    # City and state only: the receipt is reachable by its link, which must not reveal a street address.
    address = deletion.mailing_address or {}
    check_destination = ", ".join(p for p in (address.get("city", ""), address.get("state", "")) if p)
    return Receipt(
        deletion=deletion,
        services=[
            ReceiptService(
                service=c["service"],
                title=ServiceClosure.Service(c["service"]).label,
                lines=by_service[c["service"]].receipt_lines(c["outcome"]),
            )
            for c in closures
        ],
        refunds=refunds,
        refund_total_cents=sum(r.amount_cents for r in refunds),
        check_destination=check_destination,
    )
