"""Where an AdvanceConnect refund goes: by the method of the last purchase. A card takes back at most what
each of its charges still allows, newest charge first; whatever the card cannot take, and any balance
whose last purchase was not by card, goes by check.

Batch form: the routes of any number of accounts are read in two queries (the last purchases, then the
card charges needed), so closing one account at deletion and thousands in the inactivity sweep share
one code path and neither's query count grows with the number of accounts or their history."""

from collections import namedtuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce

from refunds.issuing import REFUNDABLE_CARD_STATUSES
from refunds.models import Refund
from refunds.windows import card_refund_window, check_refund_window
from securus.closer_types import RefundLine
from securus.compiled import CompiledValues, Param

from .models import CARD_METHODS, Payment, PrepaidAccount

_PAYMENT_COLUMNS = [f.attname for f in Payment._meta.concrete_fields]
# The last purchase of one account, compiled once (securus.compiled): deletion asks it twice, on the
# Delete Account page and again under the account's lock.
_LAST_OF_ONE = CompiledValues(
    lambda: (
        Payment.objects.filter(prepaid_account_id=Param("prepaid", BigIntegerField()))
        .order_by("-created_at", "-pk")
        .values(*_PAYMENT_COLUMNS)[:1]
    )
)


def _last_purchases(prepaid_ids) -> dict[int, Payment]:
    if len(prepaid_ids) == 1:
        (pid,) = prepaid_ids
        rows = _LAST_OF_ONE.rows(prepaid=pid)
        if not rows:
            return {}
        values = [rows[0][name] for name in _PAYMENT_COLUMNS]
        return {pid: Payment.from_db(DEFAULT_DB_ALIAS, _PAYMENT_COLUMNS, values)}
    last = (
        Payment.objects.filter(prepaid_account=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    ids = PrepaidAccount.objects.filter(pk__in=prepaid_ids).annotate(last=Subquery(last)).values("last")
    return {p.prepaid_account_id: p for p in Payment.objects.filter(pk__in=ids)}


def _card_of(last: Payment) -> dict:
    """What names the card of a purchase: its fingerprint, or (older rows without one) brand and last4."""
    if last.card_fingerprint:
        return {"fingerprint": last.card_fingerprint}
    return {"brand": last.card_brand, "last4": last.card_last4}


def _same_card(prepaid_id, *, fingerprint=None, brand=None, last4=None) -> Q:
    if fingerprint is not None:
        return Q(prepaid_account_id=prepaid_id, card_fingerprint=fingerprint)
    return Q(prepaid_account_id=prepaid_id, card_brand=brand, card_last4=last4)


def _charges_with_room(same_card: Q, target):
    """Card charges matching `same_card`, newest first per account, each with the room still refundable
    on it, up to the first that covers `target` (the account's amount) together with the newer ones: a
    running total per account stops there."""
    refunded = (
        Refund.objects.filter(
            payment=OuterRef("pk"), method=Refund.Method.CARD, status__in=REFUNDABLE_CARD_STATUSES
        )
        .values("payment")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    newest_first = [F("created_at").desc(), F("pk").desc()]
    return (
        Payment.objects.filter(same_card, method__in=CARD_METHODS)
        .exclude(stripe_charge_id="")
        .annotate(room=F("amount_cents") - Coalesce(Subquery(refunded), 0), target=target)
        .filter(room__gt=0)
        .annotate(
            covered_before=Window(
                Sum("room"),
                partition_by=[F("prepaid_account_id")],
                order_by=newest_first,
                frame=RowRange(start=None, end=-1),
            )
        )
        .filter(Q(covered_before__isnull=True) | Q(covered_before__lt=F("target")))
        .order_by("prepaid_account_id", *newest_first)
    )


_CHARGE_FIELDS = ("pk", "prepaid_account_id", "card_brand", "card_last4", "room")
Charge = namedtuple("Charge", _CHARGE_FIELDS)


def _one_card(by_fingerprint: bool) -> CompiledValues:
    """_charges_with_room() for one account, compiled once: deleting an account asks it twice (on the
    Delete Account page, then again under the account's lock), and building its SQL cost twenty times
    what PostgreSQL spends running it."""

    def build():
        names = ("fingerprint",) if by_fingerprint else ("brand", "last4")
        card = {name: Param(name, CharField()) for name in names}
        same_card = _same_card(Param("prepaid", BigIntegerField()), **card)
        return _charges_with_room(same_card, Param("target", IntegerField())).values(*_CHARGE_FIELDS)

    return CompiledValues(build)


_ONE_CARD = {True: _one_card(True), False: _one_card(False)}


def _card_charges(lasts: dict[int, Payment], amounts: dict[int, int]) -> dict[int, list]:
    """Per account, its last card's charges needed to cover its amount, newest first, each with its room
    (rows with the attributes of Charge)."""
    if not lasts:
        return {}
    if len(lasts) == 1:
        ((pid, last),) = lasts.items()
        card = _card_of(last)
        rows = _ONE_CARD["fingerprint" in card].rows(prepaid=pid, target=amounts[pid], **card)
        return {pid: [Charge(**row) for row in rows]} if rows else {}
    same_card = Q()
    for pid, last in lasts.items():
        same_card |= _same_card(pid, **_card_of(last))
    target = Case(
        *(When(prepaid_account_id=pid, then=Value(amounts[pid])) for pid in lasts),
        output_field=IntegerField(),
    )
    # Plain rows, not model instances: a balance spread over hundreds of charges builds none per charge.
    charges = _charges_with_room(same_card, target).values_list(*_CHARGE_FIELDS, named=True)
    by_account: dict[int, list] = {}
    for charge in charges:
        by_account.setdefault(charge.prepaid_account_id, []).append(charge)
    return by_account


def allocate_refunds(amounts: dict[int, int], today) -> dict[int, list[RefundLine]]:
    """{prepaid account id: cents to refund} -> {id: refund lines}; no lines for a zero amount."""
    amounts = {pid: cents for pid, cents in amounts.items() if cents > 0}
    result: dict[int, list[RefundLine]] = {pid: [] for pid in amounts}
    if not amounts:
        return result
    lasts = _last_purchases(list(amounts))
    charges = _card_charges({pid: p for pid, p in lasts.items() if p.is_card}, amounts)
    card_from, card_to = card_refund_window(today)
    check_from, check_to = check_refund_window(today)
    for pid, amount in amounts.items():
        last, lines, remaining = lasts.get(pid), result[pid], amount
        if last is not None and last.is_card:
            for charge in charges.get(pid, []):
                part = min(charge.room, remaining)
                lines.append(
                    RefundLine(
                        amount_cents=part,
                        method=Refund.Method.CARD,
                        expected_from=card_from,
                        expected_to=card_to,
                        payment_id=charge.pk,
                        card_brand=charge.card_brand,
                        card_last4=charge.card_last4,
                        why="Your last purchase was made with this card.",
                    )
                )
                remaining -= part
                if remaining == 0:
                    break
            why = (
                "More than this card's recent charges can take back; the rest comes by check."
                if remaining
                else ""
            )
        elif last is None:
            why = "No purchase on record to refund to."
        else:
            why = f"Your last purchase was made by {last.get_method_display()}."
        if remaining:
            lines.append(
                RefundLine(
                    amount_cents=remaining,
                    method=Refund.Method.CHECK,
                    expected_from=check_from,
                    expected_to=check_to,
                    why=why,
                )
            )
    return result
