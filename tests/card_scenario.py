"""The one card scenario the page, care and browser tests start from: a prepaid account whose last
purchase was by card, a call from the last three hours still unposted, AutoPay on, and stamps left."""

import copy

NOW = "2026-11-26T15:00:00Z"  # a Thursday (Thanksgiving): business-day rules are exercised
PASSWORD = "Demo-pass-2026"

_CARD_SCENARIO = {
    "now": NOW,
    "account": {
        "email": "ana@example.com",
        "password": PASSWORD,
        "name": "Ana Diaz",
        "address": {"line1": "12 Oak St", "line2": "", "city": "Dallas", "state": "TX", "zip": "75201"},
        "address_verified": True,
    },
    "prepaid": {
        "phone_numbers": ["+12145550100"],
        "payments": [{"at": "-40d", "amount": "25.00", "method": "card", "card_last4": "4242"}],
        "calls": [{"at": "-3h", "number": "+12145550100", "charge": "1.20", "posted": False}],
        "autopay": True,
    },
    "messaging": {"stamps": 12},
}


def card_scenario(*, account: dict | None = None, phone: str | None = None, **sections) -> dict:
    """A fresh copy: `account` fields replace the holder's, `phone` is the prepaid number (and the call's),
    other keywords replace whole sections (None removes one)."""
    data = copy.deepcopy(_CARD_SCENARIO)
    data["account"].update(account or {})
    if phone:
        data["prepaid"]["phone_numbers"] = [phone]
        data["prepaid"]["calls"][0]["number"] = phone
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
