"""The `directbill` section of a scenario file: charges, billed on one statement or not yet billed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from securus.scenario_fields import ScenarioError, boolean, items, money, obj, parse_phone, past, string

from .models import Charge, DirectBillAccount, Statement
from .services import FINAL_STATEMENT_DUE_DAYS


@dataclass
class ChargeSpec:
    at: datetime
    amount_cents: int
    billed: bool
    paid: bool
    description: str


@dataclass
class DirectBillSpec:
    phone_number: str  # the number the account is billed for, E.164, or ""
    charges: list[ChargeSpec]


class DirectBillSection:
    key = "directbill"

    def parse(self, value, path, *, now) -> DirectBillSpec:
        value = obj(value, path, optional=("phone_number", "charges"))
        phone = parse_phone(value["phone_number"], f"{path}.phone_number") if "phone_number" in value else ""
        charges = []
        for p, raw in items(value.get("charges", []), f"{path}.charges"):
            raw = obj(raw, p, required=("at", "amount"), optional=("billed", "paid", "description"))
            billed = boolean(raw.get("billed", False), f"{p}.billed")
            paid = boolean(raw.get("paid", False), f"{p}.paid")
            if paid and not billed:
                raise ScenarioError(f"{p}.paid", "only a billed charge can be paid")
            charges.append(
                ChargeSpec(
                    at=past(raw["at"], f"{p}.at", now=now),
                    amount_cents=money(raw["amount"], f"{p}.amount"),
                    billed=billed,
                    paid=paid,
                    description=string(
                        raw.get("description", "Call charge"), f"{p}.description", max_length=120
                    ),
                )
            )
        return DirectBillSpec(phone_number=phone, charges=charges)

    def moments(self, spec: DirectBillSpec) -> list[datetime]:
        return [c.at for c in spec.charges]

    def write(self, account, spec: DirectBillSpec, *, now, opened) -> None:
        charges = spec.charges
        directbill = DirectBillAccount.objects.create(
            account=account, opened_at=opened, phone_number=spec.phone_number
        )
        billed = [c for c in charges if c.billed]
        statement = None
        if billed:
            # The billed charges sit on one statement dated today, due like any other statement.
            statement_date = timezone.localdate(now)
            statement = Statement.objects.create(
                directbill_account=directbill,
                statement_date=statement_date,
                due_date=statement_date + timedelta(days=FINAL_STATEMENT_DUE_DAYS),
                total_cents=sum(c.amount_cents for c in billed),
            )
        Charge.objects.bulk_create(
            Charge(
                directbill_account=directbill,
                created_at=c.at,
                description=c.description,
                amount_cents=c.amount_cents,
                statement=statement if c.billed else None,
                paid=c.paid,
            )
            for c in charges
        )
