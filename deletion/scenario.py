"""Scenario files: one account and its services, created exactly as described (DESIGN.md "Scenario file").

This module reads the top level and the `account` section; each service app reads and writes its own
section (`<app>/scenario.py`), registered below in the order they are validated and written. Every
section is validated before anything is written, and errors name the field path (`ScenarioError`);
`load_scenario` then writes everything in one transaction, so a bad file leaves nothing behind.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.addresses import AddressInvalid, normalize_address
from accounts.models import Account, Address, RetiredEmail, canonical_email
from securus.scenario_fields import (
    RELATIVE_TIME,
    ScenarioError,
    boolean,
    obj,
    parse_phone,
    parse_time,
    past,
    string,
)

__all__ = ["ScenarioError", "ScenarioSection", "load_scenario", "parse_scenario"]

SCENARIO_SECTIONS = [
    "prepaid.scenario.PrepaidSection",
    "directbill.scenario.DirectBillSection",
    "debit.scenario.DebitSection",
    "messaging.scenario.MessagingSection",
    "video.scenario.VideoSection",
]


@runtime_checkable
class ScenarioSection(Protocol):
    key: str  # the section's top-level key in the file

    def parse(self, value, path: str, *, now: datetime) -> Any:
        """Validate the section completely, raising ScenarioError at the field path; touches no table."""

    def moments(self, spec: Any) -> list[datetime]:
        """The past events in the parsed section that date when the account was opened."""

    def write(self, account: Account, spec: Any, *, now: datetime, opened: datetime) -> None:
        """Create the section's rows for `account`, inside load_scenario's transaction."""


def sections() -> list[ScenarioSection]:
    return [import_string(path)() for path in SCENARIO_SECTIONS]


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
    # (section, its parsed spec) for each section the file has, in registry order.
    services: list[tuple[ScenarioSection, Any]] = field(default_factory=list)


def _address(value, path):
    """The same USPS normalisation and state/ZIP rules as My Settings, errors named by field path."""
    value = obj(value, path, required=("line1", "city", "state", "zip"), optional=("line2",))
    fields = {
        "line1": string(value["line1"], f"{path}.line1", max_length=100),
        "line2": string(value.get("line2", ""), f"{path}.line2", max_length=100, blank=True),
        "city": string(value["city"], f"{path}.city", max_length=60),
        "state": string(value["state"], f"{path}.state", max_length=20),
        "zip_code": string(value["zip"], f"{path}.zip", max_length=10),
    }
    try:
        return normalize_address(**fields).as_fields()
    except AddressInvalid as exc:
        field_name, message = next(iter(exc.errors.items()))
        raise ScenarioError(f"{path}.{ {'zip_code': 'zip'}.get(field_name, field_name) }", message) from None


def parse_scenario(data, *, now: datetime | None = None) -> Scenario:
    """Validate a scenario dict completely, without touching the database beyond email look-ups."""
    registered = sections()
    data = obj(
        data,
        "",
        required=("account",),
        optional=("now", "description", *(section.key for section in registered)),
    )
    if "now" in data:
        if (
            not isinstance(data["now"], str)
            or RELATIVE_TIME.match(data["now"].strip())
            or data["now"] == "now"
        ):
            raise ScenarioError("now", "must be an absolute ISO-8601 time")
        now = parse_time(data["now"], "now", now=timezone.now())
    now = now or timezone.now()

    acct = obj(
        data["account"],
        "account",
        required=("email", "name"),
        optional=("password", "address", "address_verified", "phone", "last_login"),
    )
    email = canonical_email(string(acct["email"], "account.email", max_length=254))
    try:
        validate_email(email)
    except ValidationError:
        raise ScenarioError("account.email", f"{acct['email']!r} is not an email address") from None
    password = None
    if "password" in acct:
        password = string(acct["password"], "account.password", max_length=128)
    address = _address(acct["address"], "account.address") if "address" in acct else None
    verified = boolean(acct.get("address_verified", False), "account.address_verified")
    if verified and address is None:
        raise ScenarioError("account.address_verified", "there is no address to verify")
    scenario = Scenario(
        now=now,
        email=email,
        password=password,
        name=string(acct["name"], "account.name", max_length=150),
        phone=parse_phone(acct["phone"], "account.phone") if "phone" in acct else "",
        address=address,
        address_verified=verified,
        last_login=past(acct["last_login"], "account.last_login", now=now) if "last_login" in acct else None,
    )
    for section in registered:
        if section.key in data:
            scenario.services.append((section, section.parse(data[section.key], section.key, now=now)))
    _check_email_free(email)
    return scenario


def _check_email_free(email):
    if RetiredEmail.is_retired(email):
        raise ScenarioError(
            "account.email", f"{email} belonged to a deleted account and cannot be used again"
        )
    if get_user_model().objects.filter(email=canonical_email(email)).exists():
        raise ScenarioError("account.email", f"an account with {email} already exists")


def load_scenario(*, data: dict, now: datetime | None = None) -> Account:
    """Create the scenario's account and services in one transaction; raises ScenarioError, writes nothing."""
    scenario = parse_scenario(data, now=now)
    with transaction.atomic():
        return _write(scenario)


def _write(s: Scenario) -> Account:
    now = s.now
    # The account was opened at its oldest recorded event, or now.
    opened = min(
        [
            now,
            *([s.last_login] if s.last_login else []),
            *(moment for section, spec in s.services for moment in section.moments(spec)),
        ]
    )
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
    for section, spec in s.services:
        section.write(account, spec, now=now, opened=opened)
    return account


@checks.register()
def check_scenario_sections(app_configs=None, **kwargs):
    """Start-up fails when a registered section misses the protocol or two sections share a key."""
    registered = sections()
    errors = [
        checks.Error(
            f"{type(section).__name__} does not follow the scenario section protocol.", id="deletion.E003"
        )
        for section in registered
        if not isinstance(section, ScenarioSection)
    ]
    keys = [getattr(section, "key", None) for section in registered]
    if len(set(keys)) != len(keys):
        errors.append(checks.Error(f"Scenario sections share a key: {keys}.", id="deletion.E004"))
    return errors
