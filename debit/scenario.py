"""The `debit` section of a scenario file: the linked Debit account of one person, and deposits into it."""

from dataclasses import dataclass
from datetime import datetime

from facilities.models import person_at
from securus.scenario_fields import items, money, obj, past, string

from .models import DebitAccount, DebitLink, Deposit


@dataclass
class DebitSpec:
    inmate: str
    facility: str
    deposits: list[tuple[datetime, int]]  # (at, cents)


class DebitSection:
    key = "debit"

    def parse(self, value, path, *, now) -> DebitSpec:
        value = obj(value, path, required=("inmate", "facility"), optional=("deposits",))
        deposits = []
        for p, raw in items(value.get("deposits", []), f"{path}.deposits"):
            raw = obj(raw, p, required=("at", "amount"))
            deposits.append((past(raw["at"], f"{p}.at", now=now), money(raw["amount"], f"{p}.amount")))
        return DebitSpec(
            inmate=string(value["inmate"], f"{path}.inmate", max_length=150),
            facility=string(value["facility"], f"{path}.facility", max_length=120),
            deposits=deposits,
        )

    def moments(self, spec: DebitSpec) -> list[datetime]:
        return [at for at, _ in spec.deposits]

    def write(self, account, spec: DebitSpec, *, now, opened) -> None:
        _, person = person_at(spec.facility, spec.inmate)
        debit_account, _ = DebitAccount.objects.get_or_create(owner=person, defaults={"opened_at": opened})
        DebitLink.objects.create(account=account, debit_account=debit_account, linked_at=opened)
        Deposit.objects.bulk_create(
            Deposit(debit_account=debit_account, depositor=account, created_at=at, amount_cents=cents)
            for at, cents in spec.deposits
        )
