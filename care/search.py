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
from functools import partial

from django.db import connection
from django.db.models.functions import Upper

from accounts.models import Account, Address
from debit.models import DebitLink
from directbill.models import DirectBillAccount
from facilities.models import IncarceratedPerson
from prepaid.models import PhoneNumber
from video.models import Session

MAX_RESULTS = 200
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")
_ZIP = re.compile(r"^(\d{5})(?:-\d{0,4})?$")


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
        billed = DirectBillAccount.objects.filter(phone_number=phone.e164)
    else:
        own = Account.objects.filter(phone__endswith=phone.suffix)
        lines = PhoneNumber.objects.filter(number__endswith=phone.suffix)
        billed = DirectBillAccount.objects.filter(phone_number__endswith=phone.suffix)
    return _ids(own) + _ids(lines, "prepaid_account__account_id") + _ids(billed, "account_id")


def _inmate_ids(term: str) -> list[int]:
    people = _ids(IncarceratedPerson.objects.filter(name__icontains=term))
    if not people:
        return []
    visits = Session.objects.filter(inmate_id__in=people).values_list("account_id", flat=True).distinct()
    links = DebitLink.objects.filter(debit_account__owner_id__in=people).values_list("account_id", flat=True)
    return list(visits[:MAX_RESULTS]) + list(links.distinct()[:MAX_RESULTS])


def _name_variants(term: str) -> list[str]:
    """'Diaz, Ana' is also 'Ana Diaz': agents type names the way forms and IDs list them."""
    if "," not in term:
        return [term]
    last, _, first = term.partition(",")
    flipped = " ".join(f"{first.strip()} {last.strip()}".split())
    return [flipped, term] if flipped else [term]


def _similar_name_ids(term: str) -> list[int]:
    """A close misspelling ('Ana Dias' for 'Ana Diaz'): pg_trgm's `%` on UPPER(name), served by the same
    trigram index as the substring search. PostgreSQL only; the SQLite demo keeps exact matching."""
    if connection.vendor != "postgresql":
        return []
    similar = Account.objects.annotate(upper_name=Upper("name")).filter(
        upper_name__trigram_similar=term.upper()
    )
    return _ids(similar)


def search_account_ids(term: str) -> list[int]:
    """Ids of the accounts matching `term`, best branch first, without duplicates, at most MAX_RESULTS.
    Branches run in order and stop once MAX_RESULTS ids are found: a common last name fills the list from
    the substring search alone, and the misspelling search (the costliest, over every similar name) could
    only add ids past the cut."""
    term = " ".join((term or "").split())
    if not term:
        return []
    phone = parse_phone(term)
    zip_match = _ZIP.match(term)
    if phone is not None:
        branches = [partial(_phone_ids, phone)]
    elif zip_match:
        # ZIP+4 finds the ZIP (75201-1234 finds accounts on record as 75201 or any 75201-xxxx).
        branches = [partial(_ids, Address.objects.filter(zip_code__startswith=zip_match[1]), "account_id")]
    elif "@" in term:
        branches = [partial(_ids, Account.objects.filter(user__email__icontains=term))]
    elif len(term) >= 2:
        names = _name_variants(term)
        branches = [partial(_ids, Account.objects.filter(name__icontains=name)) for name in names]
        branches += [
            partial(_ids, Account.objects.filter(user__email__icontains=term)),
            partial(_inmate_ids, names[0]),
        ]
        if len(term) >= 3:
            branches.append(partial(_similar_name_ids, names[0]))
    else:
        return []
    found: dict[int, None] = {}
    for branch in branches:
        found.update(dict.fromkeys(branch()))
        if len(found) >= MAX_RESULTS:
            break
    return list(found)[:MAX_RESULTS]


def matched_phones(account_ids: list[int], term: str) -> dict[int, str]:
    """For a phone search, the number that matched on each account (its own, a calling line or a Direct
    Bill number), E.164."""
    phone = parse_phone(" ".join((term or "").split()))
    if phone is None or not account_ids:
        return {}

    def matching(field):
        return {field: phone.e164} if phone.e164 else {f"{field}__endswith": phone.suffix}

    found = dict(
        DirectBillAccount.objects.filter(account_id__in=account_ids, **matching("phone_number")).values_list(
            "account_id", "phone_number"
        )
    )
    found.update(
        PhoneNumber.objects.filter(
            prepaid_account__account_id__in=account_ids, **matching("number")
        ).values_list("prepaid_account__account_id", "number")
    )
    found.update(Account.objects.filter(pk__in=account_ids, **matching("phone")).values_list("pk", "phone"))
    return found
