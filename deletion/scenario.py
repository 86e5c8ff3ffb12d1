"""Scenario files: one account and its services, created exactly as described (DESIGN.md "Scenario file").

`parse_scenario` validates the whole file first and raises `ScenarioError` naming the field path;
`load_scenario` then writes everything in one transaction, so a bad file leaves nothing behind.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import phonenumbers
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.addresses import AddressInvalid, normalize_address
from accounts.models import Account, Address, RetiredEmail, canonical_email
from debit.models import DebitAccount, DebitLink, Deposit
from directbill.models import Charge, DirectBillAccount, Statement
from facilities.models import Facility, IncarceratedPerson
from messaging.models import StampEntry
from prepaid.models import (
    CARD_METHODS,
    Call,
    Enrolment,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PhoneNumber,
    PrepaidAccount,
)
from securus.money import MoneyError, parse_cents
from video.models import Session, Subscription

CARD_BRANDS = ("visa", "mastercard", "amex", "discover")
STATEMENT_DUE_DAYS = 20  # a Direct Bill invoice is due 20 days after the statement date
_RELATIVE = re.compile(r"^([+-])(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded; the message starts with the field path."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


# --- parsed scenario -------------------------------------------------------------------------------


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
class ChargeSpec:
    at: datetime
    amount_cents: int
    billed: bool
    paid: bool
    description: str


@dataclass
class SubscriptionSpec:
    facility: str
    price_cents: int
    period_end: datetime
    cancel_at_period_end: bool
    stripe_subscription_id: str


@dataclass
class SessionSpec:
    facility: str
    inmate: str
    at: datetime
    price_cents: int
    status: str


@dataclass
class Scenario:
    now: datetime
    email: str
    password: str | None
    name: str
    phone: str
    address: dict | None
    address_verified: bool
    last_login: datetime | None = None
    prepaid: dict | None = None  # phone_numbers, payments, calls, autopay, textpay
    directbill: list[ChargeSpec] | None = None
    directbill_phone: str = ""
    debit: dict | None = None  # inmate, facility, deposits [(at, cents)]
    stamps: int = 0
    subscriptions: list[SubscriptionSpec] = field(default_factory=list)
    sessions: list[SessionSpec] = field(default_factory=list)
    has_video: bool = False


# --- field readers: each names its path in the error -------------------------------------------------


def _obj(value, path, *, required=(), optional=()):
    if not isinstance(value, dict):
        raise ScenarioError(path, "must be an object")
    for key in required:
        if key not in value:
            raise ScenarioError(f"{path}.{key}" if path else key, "is required")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        # A typo ("ammount") must not silently load a different scenario.
        raise ScenarioError(f"{path}.{unknown[0]}" if path else unknown[0], "unknown field")
    return value


def _list(value, path):
    if not isinstance(value, list):
        raise ScenarioError(path, "must be a list")
    return value


def _bool(value, path):
    if not isinstance(value, bool):
        raise ScenarioError(path, f"must be true or false, not {value!r}")
    return value


def _str(value, path, *, max_length, blank=False):
    if not isinstance(value, str):
        raise ScenarioError(path, f"must be a string, not {value!r}")
    value = value.strip()
    if not value and not blank:
        raise ScenarioError(path, "must not be empty")
    if len(value) > max_length:
        raise ScenarioError(path, f"is longer than {max_length} characters")
    return value


def _money(value, path, *, allow_zero=False):
    try:
        cents = parse_cents(value)
    except MoneyError as exc:
        raise ScenarioError(path, str(exc)) from None
    if cents < 0 or (cents == 0 and not allow_zero):
        raise ScenarioError(path, f"must be more than zero, not {value!r}")
    return cents


def parse_time(value, path, *, now: datetime) -> datetime:
    """Absolute ISO-8601 with an offset, "now", or relative to now: "-3h", "+2d", "-40d", "-30m"."""
    if not isinstance(value, str):
        raise ScenarioError(path, f"must be a time string, not {value!r}")
    text = value.strip()
    if text == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        sign, number, unit = match.groups()
        delta = timedelta(**{_UNITS[unit]: int(number)})
        return now + delta if sign == "+" else now - delta
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(path, f"{value!r} is neither an ISO-8601 time nor relative like '-3h'") from None
    if timezone.is_naive(moment):
        # A naive time is ambiguous by hours across time zones; billing dates must not guess.
        raise ScenarioError(path, f"{value!r} needs a UTC offset (e.g. 'Z' or '-06:00')")
    return moment


def _past(value, path, *, now):
    moment = parse_time(value, path, now=now)
    if moment > now:
        raise ScenarioError(path, f"{value!r} is in the future; only scheduled things may be")
    return moment


def parse_phone(value, path) -> str:
    if not isinstance(value, str):
        raise ScenarioError(path, f"must be a phone number string, not {value!r}")
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        raise ScenarioError(path, f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ScenarioError(path, f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _address(value, path):
    """The same USPS normalisation and state/ZIP rules as My Settings, errors named by field path."""
    value = _obj(value, path, required=("line1", "city", "state", "zip"), optional=("line2",))
    fields = {
        "line1": _str(value["line1"], f"{path}.line1", max_length=100),
        "line2": _str(value.get("line2", ""), f"{path}.line2", max_length=100, blank=True),
        "city": _str(value["city"], f"{path}.city", max_length=60),
        "state": _str(value["state"], f"{path}.state", max_length=20),
        "zip_code": _str(value["zip"], f"{path}.zip", max_length=10),
    }
    try:
        return normalize_address(**fields).as_fields()
    except AddressInvalid as exc:
        field, message = next(iter(exc.errors.items()))
        raise ScenarioError(f"{path}.{ {'zip_code': 'zip'}.get(field, field) }", message) from None


def _payment(value, path, *, now):
    value = _obj(
        value,
        path,
        required=("at", "amount", "method"),
        optional=("card_brand", "card_last4", "card_fingerprint", "stripe_charge_id"),
    )
    method = value["method"]
    if method not in PaymentMethod.values:
        raise ScenarioError(f"{path}.method", f"unknown method {method!r}")
    spec = PaymentSpec(
        at=_past(value["at"], f"{path}.at", now=now),
        amount_cents=_money(value["amount"], f"{path}.amount"),
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
    spec.card_fingerprint = _str(
        value.get("card_fingerprint", f"fp_scn_{brand}_{last4}"), f"{path}.card_fingerprint", max_length=64
    )
    charge_id = value.get("stripe_charge_id", f"ch_scn_{uuid.uuid4().hex}")
    spec.stripe_charge_id = _str(charge_id, f"{path}.stripe_charge_id", max_length=64)
    if not spec.stripe_charge_id.startswith(("ch_", "pi_")):
        raise ScenarioError(f"{path}.stripe_charge_id", "must be a charge (ch_) or payment intent (pi_) id")
    return spec


def _call(value, path, *, now):
    value = _obj(value, path, required=("at", "number", "charge", "posted"), optional=("posted_at",))
    at = _past(value["at"], f"{path}.at", now=now)
    posted = _bool(value["posted"], f"{path}.posted")
    posted_at = None
    if "posted_at" in value:
        if not posted:
            raise ScenarioError(f"{path}.posted_at", "an unposted call has no posted_at")
        posted_at = _past(value["posted_at"], f"{path}.posted_at", now=now)
        if posted_at < at:
            raise ScenarioError(f"{path}.posted_at", "is before the call started")
    elif posted:
        posted_at = at
    return CallSpec(
        at=at,
        number=parse_phone(value["number"], f"{path}.number"),
        charge_cents=_money(value["charge"], f"{path}.charge"),
        posted=posted,
        posted_at=posted_at,
    )


def _prepaid(value, path, *, now):
    value = _obj(value, path, optional=("phone_numbers", "payments", "calls", "autopay", "textpay"))
    numbers = []
    for i, raw in enumerate(_list(value.get("phone_numbers", []), f"{path}.phone_numbers")):
        number = parse_phone(raw, f"{path}.phone_numbers[{i}]")
        if number in numbers:
            raise ScenarioError(f"{path}.phone_numbers[{i}]", f"{number} is listed twice")
        numbers.append(number)
    payments = [
        _payment(p, f"{path}.payments[{i}]", now=now)
        for i, p in enumerate(_list(value.get("payments", []), f"{path}.payments"))
    ]
    charge_ids = [p.stripe_charge_id for p in payments if p.stripe_charge_id]
    if len(charge_ids) != len(set(charge_ids)):
        raise ScenarioError(f"{path}.payments", "two payments share one stripe_charge_id")
    calls = [
        _call(c, f"{path}.calls[{i}]", now=now)
        for i, c in enumerate(_list(value.get("calls", []), f"{path}.calls"))
    ]
    return {
        "phone_numbers": numbers,
        "payments": payments,
        "calls": calls,
        "autopay": _bool(value.get("autopay", False), f"{path}.autopay"),
        "textpay": _bool(value.get("textpay", False), f"{path}.textpay"),
    }


def _directbill(value, path, *, now):
    value = _obj(value, path, optional=("phone_number", "charges"))
    phone = parse_phone(value["phone_number"], f"{path}.phone_number") if "phone_number" in value else ""
    charges = []
    for i, raw in enumerate(_list(value.get("charges", []), f"{path}.charges")):
        p = f"{path}.charges[{i}]"
        raw = _obj(raw, p, required=("at", "amount"), optional=("billed", "paid", "description"))
        billed = _bool(raw.get("billed", False), f"{p}.billed")
        paid = _bool(raw.get("paid", False), f"{p}.paid")
        if paid and not billed:
            raise ScenarioError(f"{p}.paid", "only a billed charge can be paid")
        charges.append(
            ChargeSpec(
                at=_past(raw["at"], f"{p}.at", now=now),
                amount_cents=_money(raw["amount"], f"{p}.amount"),
                billed=billed,
                paid=paid,
                description=_str(raw.get("description", "Call charge"), f"{p}.description", max_length=120),
            )
        )
    return charges, phone


def _debit(value, path, *, now):
    value = _obj(value, path, required=("inmate", "facility"), optional=("deposits",))
    deposits = []
    for i, raw in enumerate(_list(value.get("deposits", []), f"{path}.deposits")):
        p = f"{path}.deposits[{i}]"
        raw = _obj(raw, p, required=("at", "amount"))
        deposits.append((_past(raw["at"], f"{p}.at", now=now), _money(raw["amount"], f"{p}.amount")))
    return {
        "inmate": _str(value["inmate"], f"{path}.inmate", max_length=150),
        "facility": _str(value["facility"], f"{path}.facility", max_length=120),
        "deposits": deposits,
    }


def _video(value, path, *, now):
    value = _obj(value, path, optional=("subscriptions", "sessions"))
    subscriptions = []
    for i, raw in enumerate(_list(value.get("subscriptions", []), f"{path}.subscriptions")):
        p = f"{path}.subscriptions[{i}]"
        raw = _obj(
            raw,
            p,
            required=("facility", "price", "period_end"),
            optional=("cancel_at_period_end", "stripe_subscription_id"),
        )
        spec = SubscriptionSpec(
            facility=_str(raw["facility"], f"{p}.facility", max_length=120),
            price_cents=_money(raw["price"], f"{p}.price"),
            period_end=parse_time(raw["period_end"], f"{p}.period_end", now=now),
            cancel_at_period_end=_bool(raw.get("cancel_at_period_end", False), f"{p}.cancel_at_period_end"),
            stripe_subscription_id=_str(
                raw.get("stripe_subscription_id", ""),
                f"{p}.stripe_subscription_id",
                max_length=64,
                blank=True,
            ),
        )
        if spec.period_end <= now:
            raise ScenarioError(f"{p}.period_end", "an open subscription's paid period must end after now")
        if any(s.facility == spec.facility for s in subscriptions):
            raise ScenarioError(f"{p}.facility", f"a second open subscription at {spec.facility!r}")
        subscriptions.append(spec)
    sessions = []
    statuses = [Session.Status.SCHEDULED, Session.Status.CANCELLED, Session.Status.COMPLETED]
    for i, raw in enumerate(_list(value.get("sessions", []), f"{path}.sessions")):
        p = f"{path}.sessions[{i}]"
        raw = _obj(raw, p, required=("facility", "inmate", "at"), optional=("price", "status"))
        status = raw.get("status", Session.Status.SCHEDULED)
        if status not in statuses:
            raise ScenarioError(f"{p}.status", f"unknown session status {status!r}")
        sessions.append(
            SessionSpec(
                facility=_str(raw["facility"], f"{p}.facility", max_length=120),
                inmate=_str(raw["inmate"], f"{p}.inmate", max_length=150),
                at=parse_time(raw["at"], f"{p}.at", now=now),
                price_cents=_money(raw.get("price", "0.00"), f"{p}.price", allow_zero=True),
                status=status,
            )
        )
    return subscriptions, sessions


def parse_scenario(data, *, now: datetime | None = None) -> Scenario:
    """Validate a scenario dict completely, without touching the database beyond email look-ups."""
    data = _obj(
        data,
        "",
        required=("account",),
        optional=("now", "description", "prepaid", "directbill", "debit", "messaging", "video"),
    )
    if "now" in data:
        if not isinstance(data["now"], str) or _RELATIVE.match(data["now"].strip()) or data["now"] == "now":
            raise ScenarioError("now", "must be an absolute ISO-8601 time")
        now = parse_time(data["now"], "now", now=timezone.now())
    now = now or timezone.now()

    acct = _obj(
        data["account"],
        "account",
        required=("email", "name"),
        optional=("password", "address", "address_verified", "phone", "last_login"),
    )
    email = canonical_email(_str(acct["email"], "account.email", max_length=254))
    try:
        validate_email(email)
    except ValidationError:
        raise ScenarioError("account.email", f"{acct['email']!r} is not an email address") from None
    password = None
    if "password" in acct:
        password = _str(acct["password"], "account.password", max_length=128)
    address = _address(acct["address"], "account.address") if "address" in acct else None
    verified = _bool(acct.get("address_verified", False), "account.address_verified")
    if verified and address is None:
        raise ScenarioError("account.address_verified", "there is no address to verify")
    scenario = Scenario(
        now=now,
        email=email,
        password=password,
        name=_str(acct["name"], "account.name", max_length=150),
        phone=parse_phone(acct["phone"], "account.phone") if "phone" in acct else "",
        address=address,
        address_verified=verified,
        last_login=_past(acct["last_login"], "account.last_login", now=now) if "last_login" in acct else None,
    )
    if "prepaid" in data:
        scenario.prepaid = _prepaid(data["prepaid"], "prepaid", now=now)
    if "directbill" in data:
        scenario.directbill, scenario.directbill_phone = _directbill(
            data["directbill"], "directbill", now=now
        )
    if "debit" in data:
        scenario.debit = _debit(data["debit"], "debit", now=now)
    if "messaging" in data:
        msg = _obj(data["messaging"], "messaging", optional=("stamps",))
        stamps = msg.get("stamps", 0)
        if isinstance(stamps, bool) or not isinstance(stamps, int) or stamps < 0:
            raise ScenarioError("messaging.stamps", f"must be a whole number of stamps, not {stamps!r}")
        scenario.stamps = stamps
    if "video" in data:
        scenario.subscriptions, scenario.sessions = _video(data["video"], "video", now=now)
        scenario.has_video = True
    _check_email_free(email)
    return scenario


def _check_email_free(email):
    if RetiredEmail.is_retired(email):
        raise ScenarioError(
            "account.email", f"{email} belonged to a deleted account and cannot be used again"
        )
    if get_user_model().objects.filter(email=canonical_email(email)).exists():
        raise ScenarioError("account.email", f"an account with {email} already exists")


# --- writing ----------------------------------------------------------------------------------------


def _earliest(scenario: Scenario) -> datetime:
    """When the account was opened: its oldest recorded event, or now."""
    moments = [scenario.now] + ([scenario.last_login] if scenario.last_login else [])
    if scenario.prepaid:
        moments += [p.at for p in scenario.prepaid["payments"]] + [c.at for c in scenario.prepaid["calls"]]
    moments += [c.at for c in scenario.directbill or []]
    if scenario.debit:
        moments += [at for at, _ in scenario.debit["deposits"]]
    return min(moments)


def _person(facility_name, inmate_name):
    facility, _ = Facility.objects.get_or_create(name=facility_name)
    person, _ = IncarceratedPerson.objects.get_or_create(facility=facility, name=inmate_name)
    return facility, person


def load_scenario(*, data: dict, now: datetime | None = None) -> Account:
    """Create the scenario's account and services in one transaction; raises ScenarioError, writes nothing."""
    scenario = parse_scenario(data, now=now)
    with transaction.atomic():
        return _write(scenario)


def _write(s: Scenario) -> Account:
    now, opened = s.now, _earliest(s)
    User = get_user_model()
    user = User(email=s.email, name=s.name, date_joined=opened, last_login=s.last_login)
    if s.password is None:
        user.set_unusable_password()
    else:
        user.set_password(s.password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another writer took the email between the check and the insert.
        raise ScenarioError("account.email", f"an account with {s.email} already exists") from None
    account = Account.objects.create(user=user, name=s.name, phone=s.phone, created_at=opened)
    if s.address:
        Address.objects.create(
            account=account, updated_at=now, verified_at=now if s.address_verified else None, **s.address
        )

    if s.prepaid is not None:
        _write_prepaid(account, s.prepaid, now=now, opened=opened)
    if s.directbill is not None:
        _write_directbill(account, s.directbill, now=now, opened=opened, phone=s.directbill_phone)
    if s.debit is not None:
        _, person = _person(s.debit["facility"], s.debit["inmate"])
        debit_account, _ = DebitAccount.objects.get_or_create(owner=person, defaults={"opened_at": opened})
        DebitLink.objects.create(account=account, debit_account=debit_account, linked_at=opened)
        Deposit.objects.bulk_create(
            Deposit(debit_account=debit_account, depositor=account, created_at=at, amount_cents=cents)
            for at, cents in s.debit["deposits"]
        )
    if s.stamps:
        StampEntry.objects.create(
            account=account, created_at=now, kind=StampEntry.Kind.PURCHASE, stamps=s.stamps
        )
    for sub in s.subscriptions:
        facility, _ = Facility.objects.get_or_create(name=sub.facility)
        Subscription.objects.create(
            account=account,
            facility=facility,
            price_cents=sub.price_cents,
            started_at=min(now, sub.period_end - timedelta(days=30)),
            current_period_end=sub.period_end,
            cancel_at_period_end=sub.cancel_at_period_end,
            canceled_at=now if sub.cancel_at_period_end else None,
            stripe_subscription_id=sub.stripe_subscription_id or f"sub_scn_{uuid.uuid4().hex}",
            stripe_customer_id=f"cus_scn_{account.pk}",
        )
    for session in s.sessions:
        facility, person = _person(session.facility, session.inmate)
        Session.objects.create(
            account=account,
            facility=facility,
            inmate=person,
            scheduled_at=session.at,
            price_cents=session.price_cents,
            status=session.status,
            status_changed_at=None if session.status == Session.Status.SCHEDULED else now,
        )
    return account


def _write_prepaid(account, spec, *, now, opened):
    prepaid = PrepaidAccount.objects.create(account=account, opened_at=opened)
    PhoneNumber.objects.bulk_create(
        PhoneNumber(prepaid_account=prepaid, number=n) for n in spec["phone_numbers"]
    )
    for p in spec["payments"]:
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
    for c in spec["calls"]:
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
    for kind in (Enrolment.Kind.AUTOPAY, Enrolment.Kind.TEXTPAY):
        if spec[kind]:
            Enrolment.objects.create(prepaid_account=prepaid, kind=kind, started_at=opened)


def _write_directbill(account, charges, *, now, opened, phone=""):
    directbill = DirectBillAccount.objects.create(account=account, opened_at=opened, phone_number=phone)
    billed = [c for c in charges if c.billed]
    statement = None
    if billed:
        statement_date = timezone.localdate(now)
        statement = Statement.objects.create(
            directbill_account=directbill,
            statement_date=statement_date,
            due_date=statement_date + timedelta(days=STATEMENT_DUE_DAYS),
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
