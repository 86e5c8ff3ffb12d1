"""Mailing addresses: USPS-style normalisation, state and ZIP validation, and verification.

Refund checks are mailed to this address, so it is cleaned before it is stored and the holder confirms it
(`verified_at`). Changing the address clears that confirmation: a check must never go to an address the
holder has not looked at.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

from .models import Account, Address

# USPS codes: the 50 states, DC, the territories and the military "states" (APO/FPO/DPO mail).
US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}
_STATE_BY_NAME = {name.upper(): code for code, name in US_STATES.items()}
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")
# usaddress cannot parse post office boxes; USPS writes them "PO BOX 123".
_PO_BOX = re.compile(r"^\s*p\.?\s*o\.?\s*(?:box|b\.?)\s*#?\s*(\w+)\s*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# The fields of a mailing address, on Address, on a Check and in every address form.
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "zip_code")


class AddressInvalid(ValueError):
    """The address cannot be used; `errors` maps each field to a message written for the holder."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CleanAddress:
    line1: str
    line2: str
    city: str
    state: str
    zip_code: str

    def as_fields(self) -> dict:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}


def clean_state(value: str) -> str | None:
    """'tx', 'Texas' or ' TX ' -> 'TX'; None when it is not a USPS state code or name."""
    text = _SPACES.sub(" ", (value or "").strip().upper().replace(".", ""))
    if text in US_STATES:
        return text
    return _STATE_BY_NAME.get(text)


def clean_zip(value: str) -> str | None:
    """'75201', '752011234', '75201 1234' -> '75201' / '75201-1234'; None when it is not a ZIP or ZIP+4."""
    match = _ZIP.match((value or "").strip())
    if not match:
        return None
    return f"{match[1]}-{match[2]}" if match[2] else match[1]


def _squash(text: str) -> str:
    return _SPACES.sub(" ", (text or "").strip())


def normalize_address(*, line1: str, line2: str = "", city: str, state: str, zip_code: str) -> CleanAddress:
    """USPS style (upper case, standard abbreviations: '12 Oak Street' -> '12 OAK ST'), or AddressInvalid."""
    line1, line2, city = _squash(line1), _squash(line2), _squash(city)
    errors = {}
    if not line1:
        errors["line1"] = "Enter the street address, for example 12 Oak St."
    if not city:
        errors["city"] = "Enter the city."
    clean_st = clean_state(state)
    if clean_st is None:
        errors["state"] = "Choose a US state or territory."
    clean_zp = clean_zip(zip_code)
    if clean_zp is None:
        errors["zip_code"] = "Enter a 5-digit ZIP code (like 75201) or ZIP+4 (like 75201-1234)."
    if errors:
        raise AddressInvalid(errors)

    box = _PO_BOX.match(line1)
    if box:
        return CleanAddress(
            line1=f"PO BOX {box[1].upper()}",
            line2=line2.upper(),
            city=city.upper(),
            state=clean_st,
            zip_code=clean_zp,
        )
    try:
        clean = normalize_address_record(
            {
                "address_line_1": line1,
                "address_line_2": line2 or None,
                "city": city,
                "state": clean_st,
                "postal_code": clean_zp,
            }
        )
    except AddressNormalizationError:
        raise AddressInvalid(
            {"line1": "We could not read this street address. Check the house number and street name."}
        ) from None
    result = CleanAddress(
        line1=clean["address_line_1"] or "",
        line2=clean["address_line_2"] or "",
        city=clean["city"] or "",
        state=clean_st,
        zip_code=clean_zp,
    )
    too_long = {
        name: f"This is too long to print on an envelope (at most {limit} characters)."
        for name, limit in (("line1", 100), ("line2", 100), ("city", 60))
        if len(getattr(result, name)) > limit
    }
    if too_long:
        raise AddressInvalid(too_long)
    return result


def save_address(*, account: Account, clean: CleanAddress, verified: bool, now) -> Address:
    """Store the address. Confirmation is kept only if nothing changed or the holder confirms it now."""
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(account=account).first()
        fields = clean.as_fields()
        if address is None:
            return Address.objects.create(
                account=account, **fields, verified_at=now if verified else None, updated_at=now
            )
        changed = any(getattr(address, name) != value for name, value in fields.items())
        if changed:
            for name, value in fields.items():
                setattr(address, name, value)
            address.updated_at = now
            address.verified_at = None
        if verified:
            address.verified_at = now
        address.save()
        return address


def verify_address(*, account: Account, shown: str, now) -> Address | None:
    """The holder confirms that the address they were shown (`str(address)`) is correct.

    None when there is no address, or it changed since it was shown (another tab, an agent): nothing is
    confirmed that the holder has not seen.
    """
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(account=account).first()
        if address is None or str(address) != shown:
            return None
        address.verified_at = now
        address.save(update_fields=["verified_at"])
        return address
