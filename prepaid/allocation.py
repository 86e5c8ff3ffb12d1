"""Where an AdvanceConnect refund goes: by the method of the last purchase. A card takes back at most what
each of its charges still allows, newest charge first; whatever the card cannot take, and any balance
whose last purchase was not by card, goes by check.

Batch form: the routes of any number of accounts are read in two queries (the last purchases, then the
card charges needed), so closing one account at deletion and thousands in the inactivity sweep share
one code path and neither's query count grows with the number of accounts or their history."""

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce

from refunds.issuing import REFUNDABLE_CARD_STATUSES
from refunds.models import Refund
from refunds.windows import card_refund_window, check_refund_window
from securus.closer_types import RefundLine

from .models import CARD_METHODS, Payment, PrepaidAccount


def _last_purchases(prepaid_ids) -> dict[int, Payment]:
    last = (
        Payment.objects.filter(prepaid_account=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    ids = PrepaidAccount.objects.filter(pk__in=prepaid_ids).annotate(last=Subquery(last)).values("last")
    return {p.prepaid_account_id: p for p in Payment.objects.filter(pk__in=ids)}


def _same_card(last: Payment) -> Q:
    if last.card_fingerprint:
        return Q(prepaid_account_id=last.prepaid_account_id, card_fingerprint=last.card_fingerprint)
    return Q(
        prepaid_account_id=last.prepaid_account_id, card_brand=last.card_brand, card_last4=last.card_last4
    )


def _card_charges(lasts: dict[int, Payment], amounts: dict[int, int]) -> dict[int, list]:
    """Per account, its last card's charges, newest first, needed to cover its amount, each with the room
    still refundable on it. A running total per account stops at the first charge that covers the rest.
    Rows are plain tuples (pk, prepaid_account_id, card_brand, card_last4, room): a balance spread over
    hundreds of charges builds no model instance per charge."""
    if not lasts:
        return {}
    refunded = (
        Refund.objects.filter(
            payment=OuterRef("pk"), method=Refund.Method.CARD, status__in=REFUNDABLE_CARD_STATUSES
        )
        .values("payment")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    same_card = Q()
    for last in lasts.values():
        same_card |= _same_card(last)
    target = Case(
        *(When(prepaid_account_id=pid, then=Value(amounts[pid])) for pid in lasts),
        output_field=IntegerField(),
    )
    newest_first = [F("created_at").desc(), F("pk").desc()]
    charges = (
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
        .values_list("pk", "prepaid_account_id", "card_brand", "card_last4", "room", named=True)
    )
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
