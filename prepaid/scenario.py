"""The `prepaid` section of a scenario file: phone numbers, payments, calls, AutoPay and TextPay."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from securus.scenario_fields import ScenarioError, boolean, items, money, obj, parse_phone, past, string

from .models import (
    CARD_METHODS,
    Call,
    Enrolment,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PhoneNumber,
    PrepaidAccount,
)

CARD_BRANDS = ("visa", "mastercard", "amex", "discover")


@dataclass
class PaymentSpec:
    at: datetime
    amount_cents: int
    method: str
    card_brand: str = ""
    card_last4: str = ""
    card_fingerprint: str = ""
    stripe_charge_id: str = ""


@dataclass
class CallSpec:
    at: datetime
    number: str
    charge_cents: int
    posted: bool
    posted_at: datetime | None


@dataclass
class PrepaidSpec:
    phone_numbers: list[str]
    payments: list[PaymentSpec]
    calls: list[CallSpec]
    autopay: bool
    textpay: bool


def _payment(value, path, *, now):
    value = obj(
        value,
        path,
        required=("at", "amount", "method"),
        optional=("card_brand", "card_last4", "card_fingerprint", "stripe_charge_id"),
    )
    method = value["method"]
    if method not in PaymentMethod.values:
        raise ScenarioError(f"{path}.method", f"unknown method {method!r}")
    spec = PaymentSpec(
        at=past(value["at"], f"{path}.at", now=now),
        amount_cents=money(value["amount"], f"{path}.amount"),
        method=method,
    )
    card_keys = {"card_brand", "card_last4", "card_fingerprint", "stripe_charge_id"} & set(value)
    if method not in CARD_METHODS:
        if card_keys:
            key = sorted(card_keys)[0]
            raise ScenarioError(f"{path}.{key}", f"only card payments have card details, not {method!r}")
        return spec
    if "card_last4" not in value:
        raise ScenarioError(f"{path}.card_last4", f"is required for method {method!r}")
    last4 = value["card_last4"]
    if not isinstance(last4, str) or not re.fullmatch(r"\d{4}", last4):
        raise ScenarioError(f"{path}.card_last4", f"must be four digits as a string, not {last4!r}")
    brand = value.get("card_brand", "visa")
    if brand not in CARD_BRANDS:
        raise ScenarioError(f"{path}.card_brand", f"unknown card brand {brand!r}")
    spec.card_brand, spec.card_last4 = brand, last4
    # Without a real fingerprint, brand + last4 stands for "the same card" across payments.
    spec.card_fingerprint = string(
        value.get("card_fingerprint", f"fp_scn_{brand}_{last4}"), f"{path}.card_fingerprint", max_length=64
    )
    charge_id = value.get("stripe_charge_id", f"ch_scn_{uuid.uuid4().hex}")
    spec.stripe_charge_id = string(charge_id, f"{path}.stripe_charge_id", max_length=64)
    if not spec.stripe_charge_id.startswith(("ch_", "pi_")):
        raise ScenarioError(f"{path}.stripe_charge_id", "must be a charge (ch_) or payment intent (pi_) id")
    return spec


def _call(value, path, *, now):
    value = obj(value, path, required=("at", "number", "charge", "posted"), optional=("posted_at",))
    at = past(value["at"], f"{path}.at", now=now)
    posted = boolean(value["posted"], f"{path}.posted")
    posted_at = None
    if "posted_at" in value:
        if not posted:
            raise ScenarioError(f"{path}.posted_at", "an unposted call has no posted_at")
        posted_at = past(value["posted_at"], f"{path}.posted_at", now=now)
        if posted_at < at:
            raise ScenarioError(f"{path}.posted_at", "is before the call started")
    elif posted:
        posted_at = at
    return CallSpec(
        at=at,
        number=parse_phone(value["number"], f"{path}.number"),
        charge_cents=money(value["charge"], f"{path}.charge"),
        posted=posted,
        posted_at=posted_at,
    )


class PrepaidSection:
    key = "prepaid"

    def parse(self, value, path, *, now) -> PrepaidSpec:
        value = obj(value, path, optional=("phone_numbers", "payments", "calls", "autopay", "textpay"))
        numbers = []
        for item_path, raw in items(value.get("phone_numbers", []), f"{path}.phone_numbers"):
            number = parse_phone(raw, item_path)
            if number in numbers:
                raise ScenarioError(item_path, f"{number} is listed twice")
            numbers.append(number)
        payments = [
            _payment(p, p_path, now=now) for p_path, p in items(value.get("payments", []), f"{path}.payments")
        ]
        charge_ids = [p.stripe_charge_id for p in payments if p.stripe_charge_id]
        if len(charge_ids) != len(set(charge_ids)):
            raise ScenarioError(f"{path}.payments", "two payments share one stripe_charge_id")
        calls = [_call(c, c_path, now=now) for c_path, c in items(value.get("calls", []), f"{path}.calls")]
        return PrepaidSpec(
            phone_numbers=numbers,
            payments=payments,
            calls=calls,
            autopay=boolean(value.get("autopay", False), f"{path}.autopay"),
            textpay=boolean(value.get("textpay", False), f"{path}.textpay"),
        )

    def moments(self, spec: PrepaidSpec) -> list[datetime]:
        return [p.at for p in spec.payments] + [c.at for c in spec.calls]

    def write(self, account, spec: PrepaidSpec, *, now, opened) -> None:
        prepaid = PrepaidAccount.objects.create(account=account, opened_at=opened)
        PhoneNumber.objects.bulk_create(
            PhoneNumber(prepaid_account=prepaid, number=n) for n in spec.phone_numbers
        )
        for p in spec.payments:
            payment = Payment.objects.create(
                prepaid_account=prepaid,
                created_at=p.at,
                amount_cents=p.amount_cents,
                method=p.method,
                card_brand=p.card_brand,
                card_last4=p.card_last4,
                card_fingerprint=p.card_fingerprint,
                stripe_charge_id=p.stripe_charge_id,
            )
            LedgerEntry.objects.create(
                prepaid_account=prepaid,
                created_at=p.at,
                kind=LedgerEntry.Kind.PAYMENT,
                amount_cents=p.amount_cents,
                payment=payment,
            )
        for c in spec.calls:
            call = Call.objects.create(
                prepaid_account=prepaid,
                started_at=c.at,
                number=c.number,
                charge_cents=c.charge_cents,
                posted=c.posted,
                posted_at=c.posted_at,
            )
            if c.posted:
                LedgerEntry.objects.create(
                    prepaid_account=prepaid,
                    created_at=c.posted_at,
                    kind=LedgerEntry.Kind.CALL,
                    amount_cents=-c.charge_cents,
                    call=call,
                )
        for kind, enrolled in (
            (Enrolment.Kind.AUTOPAY, spec.autopay),
            (Enrolment.Kind.TEXTPAY, spec.textpay),
        ):
            if enrolled:
                Enrolment.objects.create(prepaid_account=prepaid, kind=kind, started_at=opened)
