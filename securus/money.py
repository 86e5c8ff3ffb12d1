"""Money is integer cents everywhere; these helpers are the only place it meets decimal text."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    pass


def parse_cents(text) -> int:
    """'25.00' -> 2500. Refuses floats, more than two decimals, and anything that is not a number."""
    if isinstance(text, float) or isinstance(text, bool):
        raise MoneyError(f"amount must be a decimal string, not {text!r}")
    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not an amount of money") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise MoneyError(f"{text!r} is not an amount of money with at most two decimals")
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def format_cents(cents: int | None) -> str:
    """2380 -> '23.80' (the report's format)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def dollars(cents: int | None) -> str:
    """2380 -> '$23.80' (the pages' and admin's format)."""
    if cents is None:
        return ""
    text = format_cents(cents)
    if text.startswith("-"):
        return f"-${int(text[1:].split('.')[0]):,}.{text.split('.')[1]}"
    return f"${int(text.split('.')[0]):,}.{text.split('.')[1]}"
