"""Reads for the account pages. Each runs a fixed number of queries, however long the account's history."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Account
from debit.models import Deposit
from directbill.models import Charge, DirectBillAccount, Statement
from messaging.models import StampEntry
from prepaid.models import Enrolment, LedgerEntry, Payment, PaymentMethod, PhoneNumber, PrepaidAccount
from refunds.models import Refund
from securus.cards import card_label

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


def _prepaid_card(account: Account) -> PrepaidCard | None:
    last = Payment.objects.filter(prepaid_account=OuterRef("pk")).order_by("-created_at", "-pk")
    balance = (
        LedgerEntry.objects.filter(prepaid_account=OuterRef("pk"))
        .order_by()
        .values("prepaid_account")
        .annotate(t=Sum("amount_cents"))
        .values("t")
    )
    prepaid = (
        PrepaidAccount.objects.filter(account=account)
        .annotate(
            balance=Coalesce(Subquery(balance), 0),
            last_method=Subquery(last.values("method")[:1]),
            last_brand=Subquery(last.values("card_brand")[:1]),
            last_last4=Subquery(last.values("card_last4")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .first()
    )
    if prepaid is None:
        return None
    enrolments = Enrolment.objects.filter(prepaid_account=prepaid, ended_at__isnull=True).order_by("kind")
    numbers = PhoneNumber.objects.filter(prepaid_account=prepaid).order_by("number")
    is_card = prepaid.last_method in (PaymentMethod.CARD, PaymentMethod.CARD_PHONE)
    return PrepaidCard(
        status=prepaid.get_status_display(),
        balance_cents=prepaid.balance,
        last_method=PaymentMethod(prepaid.last_method).label if prepaid.last_method else "",
        last_card=card_label(prepaid.last_brand, prepaid.last_last4) if is_card else "",
        last_paid_at=prepaid.last_at,
        enrolments=[Enrolment.Kind(e).label for e in enrolments.values_list("kind", flat=True)],
        phone_numbers=list(numbers.values_list("number", flat=True)[:20]),
    )


def _directbill_card(account: Account) -> DirectBillCard | None:
    charges = Charge.objects.filter(directbill_account=OuterRef("pk")).order_by().values("directbill_account")
    next_due = Statement.objects.filter(directbill_account=OuterRef("pk"), charges__paid=False).order_by(
        "due_date"
    )
    directbill = (
        DirectBillAccount.objects.filter(account=account)
        .annotate(
            due=Coalesce(
                Subquery(
                    charges.filter(statement__isnull=False, paid=False)
                    .annotate(t=Sum("amount_cents"))
                    .values("t")
                ),
                0,
            ),
            unbilled=Coalesce(
                Subquery(charges.filter(statement__isnull=True).annotate(t=Sum("amount_cents")).values("t")),
                0,
            ),
            next_due=Subquery(next_due.values("due_date")[:1]),
        )
        .first()
    )
    if directbill is None:
        return None
    return DirectBillCard(
        status=directbill.get_status_display(),
        phone_number=directbill.phone_number,
        due_cents=directbill.due,
        unbilled_cents=directbill.unbilled,
        due_date=directbill.next_due if directbill.due else None,
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


def _stamps(account: Account) -> int | None:
    summary = StampEntry.objects.filter(account=account).aggregate(total=Sum("stamps"))
    return None if summary["total"] is None else max(summary["total"], 0)


def account_overview(account: Account) -> AccountOverview:
    """One card per service the account has used (video cards come from the video app's template tag)."""
    return AccountOverview(
        account=account,
        prepaid=_prepaid_card(account),
        directbill=_directbill_card(account),
        debit=_debit_card(account),
        stamps=_stamps(account),
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
    refunds: list[Refund]
    refund_total_cents: int
    check_destination: str


def deletion_receipt(deletion: AccountDeletion) -> Receipt:
    """What happened to each service and each refund, from what the deletion recorded (3 queries)."""
    closures = list(ServiceClosure.objects.filter(deletion=deletion).order_by("pk"))
    by_service = {closer.service: closer for closer in closers()}
    refunds = list(
        Refund.objects.filter(deletion=deletion)
        .exclude(status=Refund.Status.REPLACED)  # its replacement check is listed instead
        .select_related("check_payment")
        .order_by("pk")
    )
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
