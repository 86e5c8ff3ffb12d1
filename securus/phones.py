"""How a phone number is shown to people: stored in E.164, written the way Americans write it."""

import phonenumbers


def display_phone(e164: str) -> str:
    """'+12145550101' -> '(214) 555-0101'; a number from elsewhere keeps its country code."""
    if not e164:
        return ""
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
