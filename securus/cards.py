"""How a card is named to people: brand and last four digits, never more."""

_BRANDS = {"amex": "American Express", "mastercard": "Mastercard", "visa": "Visa", "discover": "Discover"}


def card_label(brand: str, last4: str) -> str:
    """'visa', '4242' -> 'Visa ending in 4242'; an unknown brand is shown as 'card'."""
    brand = (brand or "").strip()
    name = _BRANDS.get(brand.lower(), brand.title() or "card")
    return f"{name} ending in {last4}" if last4 else name
