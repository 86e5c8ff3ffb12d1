"""The field readers every scenario section shares (DESIGN.md "Scenario file"). Each names the field path
in its error, so a bad file says exactly where it is wrong; `ScenarioError` is the one error they raise."""

import re
from datetime import datetime, timedelta

import phonenumbers
from django.utils import timezone

from securus.money import MoneyError, parse_cents

RELATIVE_TIME = re.compile(r"^([+-])(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded; the message starts with the field path."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def obj(value, path, *, required=(), optional=()):
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


def items(value, path):
    """The list at `path`, as (path of each item, item)."""
    if not isinstance(value, list):
        raise ScenarioError(path, "must be a list")
    return [(f"{path}[{i}]", item) for i, item in enumerate(value)]


def boolean(value, path):
    if not isinstance(value, bool):
        raise ScenarioError(path, f"must be true or false, not {value!r}")
    return value


def string(value, path, *, max_length, blank=False):
    if not isinstance(value, str):
        raise ScenarioError(path, f"must be a string, not {value!r}")
    value = value.strip()
    if not value and not blank:
        raise ScenarioError(path, "must not be empty")
    if len(value) > max_length:
        raise ScenarioError(path, f"is longer than {max_length} characters")
    return value


def money(value, path, *, allow_zero=False):
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
    match = RELATIVE_TIME.match(text)
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


def past(value, path, *, now):
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
