"""Reads for the account pages. Each runs a fixed number of queries, however long the account's history."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, Exists, F, Min, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import Account
from debit.models import Deposit
from directbill.models import Charge, DirectBillAccount, Statement
from messaging.models import StampEntry
from prepaid.models import Enrolment, LedgerEntry, Payment, PaymentMethod, PhoneNumber, PrepaidAccount
from refunds.models import Refund
from securus.cards import card_label
from securus.closer_types import RefundLine

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


def _sum(queryset, field: str):
    """A correlated SUM of `field` over `queryset` (already filtered on OuterRef), NULL when empty."""
    return Subquery(
        queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(t=Sum(field)).values("t")[:1]
    )


def _overview_row(account: Account) -> Account:
    """Everything the service cards show, but the lists, in one statement: each service's figures are
    correlated subqueries on the account row (served by the ledgers' account indexes)."""
    mine = OuterRef("pk")
    last = Payment.objects.filter(prepaid_account__account=mine).order_by("-created_at", "-pk")
    prepaid = PrepaidAccount.objects.filter(account=mine)
    enrolled = Enrolment.objects.filter(prepaid_account__account=mine, ended_at__isnull=True)
    directbill = DirectBillAccount.objects.filter(account=mine)
    charges = Charge.objects.filter(directbill_account__account=mine)
    next_due = Statement.objects.filter(directbill_account__account=mine, charges__paid=False).order_by(
        "due_date"
    )
    return Account.objects.annotate(
        prepaid_id=Subquery(prepaid.values("pk")[:1]),
        prepaid_status=Subquery(prepaid.values("status")[:1]),
        balance=Coalesce(_sum(LedgerEntry.objects.filter(prepaid_account__account=mine), "amount_cents"), 0),
        last_method=Subquery(last.values("method")[:1]),
        last_brand=Subquery(last.values("card_brand")[:1]),
        last_last4=Subquery(last.values("card_last4")[:1]),
        last_at=Subquery(last.values("created_at")[:1]),
        autopay=Exists(enrolled.filter(kind=Enrolment.Kind.AUTOPAY)),
        textpay=Exists(enrolled.filter(kind=Enrolment.Kind.TEXTPAY)),
        directbill_id=Subquery(directbill.values("pk")[:1]),
        directbill_status=Subquery(directbill.values("status")[:1]),
        directbill_phone=Subquery(directbill.values("phone_number")[:1]),
        due=Coalesce(_sum(charges.filter(statement__isnull=False, paid=False), "amount_cents"), 0),
        unbilled=Coalesce(_sum(charges.filter(statement__isnull=True), "amount_cents"), 0),
        next_due=Subquery(next_due.values("due_date")[:1]),
        stamps=_sum(StampEntry.objects.filter(account=mine), "stamps"),
    ).get(pk=account.pk)


def _prepaid_card(row) -> PrepaidCard | None:
    if row.prepaid_id is None:
        return None
    numbers = PhoneNumber.objects.filter(prepaid_account_id=row.prepaid_id).order_by("number")
    is_card = row.last_method in (PaymentMethod.CARD, PaymentMethod.CARD_PHONE)
    enrolled = [
        kind
        for kind, on in ((Enrolment.Kind.AUTOPAY, row.autopay), (Enrolment.Kind.TEXTPAY, row.textpay))
        if on
    ]
    return PrepaidCard(
        status=PrepaidAccount.Status(row.prepaid_status).label,
        balance_cents=row.balance,
        last_method=PaymentMethod(row.last_method).label if row.last_method else "",
        last_card=card_label(row.last_brand, row.last_last4) if is_card else "",
        last_paid_at=row.last_at,
        enrolments=[kind.label for kind in enrolled],
        phone_numbers=list(numbers.values_list("number", flat=True)[:20]),
    )


def _directbill_card(row) -> DirectBillCard | None:
    if row.directbill_id is None:
        return None
    return DirectBillCard(
        status=DirectBillAccount.Status(row.directbill_status).label,
        phone_number=row.directbill_phone or "",
        due_cents=row.due,
        unbilled_cents=row.unbilled,
        due_date=row.next_due if row.due else None,
    )


def _debit_card(account: Account) -> DebitCard | None:
    rows = list(
        Deposit.objects.filter(depositor=account)
        .values("debit_account__owner__name")
        .annotate(total=Sum("amount_cents"))
        .order_by("debit_account__owner__name")[:20]
    )
    if not rows:
        return None
    return DebitCard(deposits=[(r["debit_account__owner__name"], r["total"]) for r in rows])


def account_overview(account: Account) -> AccountOverview:
    """One card per service the account has used (video cards come from the video app's template tag)."""
    row = _overview_row(account)
    return AccountOverview(
        account=account,
        prepaid=_prepaid_card(row),
        directbill=_directbill_card(row),
        debit=_debit_card(account),
        stamps=None if row.stamps is None else max(row.stamps, 0),
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


def deletion_receipt(deletion: AccountDeletion) -> Receipt:
    """What happened to each service and each refund, from what the deletion recorded (3 queries).
    Refunds read as on the Delete Account page: one line per card, summed in the database over its
    charges, so a balance returned against hundreds of charges is one line; each check is its own."""
    closures = list(ServiceClosure.objects.filter(deletion=deletion).order_by("pk"))
    by_service = {closer.service: closer for closer in closers()}
    routes = (
        Refund.objects.filter(deletion=deletion)
        .exclude(status=Refund.Status.REPLACED)  # its replacement check is listed instead
        .annotate(check_refund=Case(When(method=Refund.Method.CHECK, then=F("pk"))))
        .values("method", "card_brand", "card_last4", "expected_from", "expected_to", "check_refund")
        .annotate(total=Sum("amount_cents"), parts=Count("pk"), first=Min("pk"))
        .order_by("first")
    )
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
                service=c.service,
                title=ServiceClosure.Service(c.service).label,
                lines=by_service[c.service].receipt_lines(c.outcome),
            )
            for c in closures
        ],
        refunds=refunds,
        refund_total_cents=sum(r.amount_cents for r in refunds),
        check_destination=check_destination,
    )
