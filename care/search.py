"""Finding the caller's account while they wait: by phone number as they say it, email, name, ZIP code or
the incarcerated person's name.

Each kind of term goes to the one column that can answer it, through an index that serves exactly that
query (migrations accounts 0002, prepaid 0003, facilities 0002): `icontains` compiles to
`UPPER(col) LIKE UPPER('%term%')`, served by trigram GIN indexes on UPPER(col); a phone number is matched
exactly in E.164 (btree) or by its last 7 digits with `LIKE '%1234567'` (trigram on the plain column);
a ZIP code by prefix (varchar_pattern_ops). The account ids of each branch are read separately, bounded,
and merged: one OR across joins would make PostgreSQL scan every account."""

from __future__ import annotations

import re
from dataclasses import dataclass

from accounts.models import Account, Address
from debit.models import DebitLink
from facilities.models import IncarceratedPerson
from prepaid.models import PhoneNumber
from video.models import Session

MAX_RESULTS = 200
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")
_ZIP = re.compile(r"^\d{5}(?:-\d{0,4})?$")


@dataclass(frozen=True)
class PhoneQuery:
    e164: str = ""  # +12145550101: the whole number
    suffix: str = ""  # 5550101: the last 7 digits, when that is all the caller gives


def parse_phone(term: str) -> PhoneQuery | None:
    """(214) 555-0101, 214-555-0101, 214.555.0101, +1 214 555 0101, 12145550101 or 555-0101."""
    term = term.strip()
    if not _PHONE_LIKE.match(term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) == 10:
        return PhoneQuery(e164=f"+1{digits}")
    if len(digits) == 11 and digits.startswith("1"):
        return PhoneQuery(e164=f"+{digits}")
    if len(digits) == 7:
        return PhoneQuery(suffix=digits)
    return None


def _ids(queryset, field: str = "pk") -> list[int]:
    return list(queryset.values_list(field, flat=True)[:MAX_RESULTS])


def _phone_ids(phone: PhoneQuery) -> list[int]:
    if phone.e164:
        own = Account.objects.filter(phone=phone.e164)
        lines = PhoneNumber.objects.filter(number=phone.e164)
    else:
        own = Account.objects.filter(phone__endswith=phone.suffix)
        lines = PhoneNumber.objects.filter(number__endswith=phone.suffix)
    return _ids(own) + _ids(lines, "prepaid_account__account_id")


def _inmate_ids(term: str) -> list[int]:
    people = _ids(IncarceratedPerson.objects.filter(name__icontains=term))
    if not people:
        return []
    visits = Session.objects.filter(inmate_id__in=people).values_list("account_id", flat=True).distinct()
    links = DebitLink.objects.filter(debit_account__owner_id__in=people).values_list("account_id", flat=True)
    return list(visits[:MAX_RESULTS]) + list(links.distinct()[:MAX_RESULTS])


def search_account_ids(term: str) -> list[int]:
    """Ids of the accounts matching `term`, best branch first, without duplicates, at most MAX_RESULTS."""
    term = " ".join((term or "").split())
    if not term:
        return []
    found: list[int] = []
    phone = parse_phone(term)
    if phone is not None:
        found += _phone_ids(phone)
    elif _ZIP.match(term):
        found += _ids(Address.objects.filter(zip_code__startswith=term), "account_id")
    elif "@" in term:
        found += _ids(Account.objects.filter(user__email__icontains=term))
    elif len(term) >= 2:
        found += _ids(Account.objects.filter(name__icontains=term))
        found += _ids(Account.objects.filter(user__email__icontains=term))
        found += _inmate_ids(term)
    return list(dict.fromkeys(found))[:MAX_RESULTS]


def search_accounts(queryset, term: str):
    """Narrow an Account queryset (the admin's) to the matches of `term`."""
    return queryset.filter(pk__in=search_account_ids(term))
