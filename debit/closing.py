"""Securus Debit closer: the family member's link ends. Deposits belong to the incarcerated person and
stay in their account: nothing is refunded."""

from dataclasses import dataclass

from django.db.models import BigIntegerField, DateTimeField, OuterRef
from django.db.models.functions import JSONObject

from accounts.models import Account
from securus.closer_types import ServicePreview
from securus.compiled import CompiledValues, CompiledWrite, JSONList, Param, sum_of
from securus.money import dollars, format_cents, parse_cents

from .models import DebitLink, Deposit

LINKS_LISTED = 20


def _preview_query():
    """The account's open debit links (with the incarcerated person's name) and all it ever deposited."""
    mine = OuterRef("pk")
    links = (
        DebitLink.objects.filter(account=mine, ended_at__isnull=True)
        .order_by("pk")
        .values(item=JSONObject(pk="pk", name="debit_account__owner__name"))[:LINKS_LISTED]
    )
    return Account.objects.filter(pk=Param("account", BigIntegerField())).values(
        links=JSONList(links),
        deposited=sum_of(Deposit.objects.filter(depositor=mine), "amount_cents"),
    )


# Compiled once per process (securus.compiled): the preview runs on the page and again at deletion.
_PREVIEW = CompiledValues(_preview_query)


@dataclass(frozen=True)
class DebitData:
    link_ids: list[int]


class DebitCloser:
    service = "debit"
    title = "Securus Debit"

    def preview(self, account, *, now) -> ServicePreview[DebitData] | None:
        (row,) = _PREVIEW.rows(account=account.pk)
        links = sorted((item["pk"], item["name"]) for item in row["links"])
        deposited = row["deposited"] or 0
        if not links and not deposited:
            return None
        names = sorted({name for _, name in links})
        details = [
            f"You deposited {dollars(deposited)} in total. That money belongs to the person you sent it to "
            "and stays in their account; it is not refunded to you."
        ]
        if names:
            details.append(f"Your link to {', '.join(names)}'s debit account ends.")
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline="Your link will end. Deposits stay with the incarcerated person.",
            details=details,
            report={"refunded": "0.00", "kept_by_incarcerated_person": format_cents(deposited)},
            data=DebitData(link_ids=[pk for pk, _ in links]),
        )

    def close(self, account, deletion, preview: ServicePreview[DebitData], *, now) -> dict:
        _END_LINKS.run(account=account.pk, now=now)
        return preview.report

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says, from the outcome recorded at deletion."""
        return [
            "Your link to the Securus Debit account has ended.",
            f"The {dollars(parse_cents(outcome.get('kept_by_incarcerated_person') or '0'))} you deposited belongs to the person you sent "
            "it to and stays in their account. It is not refunded.",
        ]


# Compiled once per process (securus.compiled): every deletion ends links with the same statement.
_END_LINKS = CompiledWrite(
    lambda: DebitLink.objects.filter(account_id=Param("account", BigIntegerField()), ended_at__isnull=True),
    lambda: {"ended_at": Param("now", DateTimeField())},
)
