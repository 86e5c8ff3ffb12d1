"""Demo accounts for `seed_demo` and the README: one per deletion rule, times relative to now."""

DEMO_PASSWORD = "Demo-pass-2026"
ADMIN_EMAIL = "admin@demo.securus.test"
ADMIN_PASSWORD = "Admin-pass-2026"

_ADDRESS = {"line1": "1400 Main St", "line2": "Apt 5", "city": "Dallas", "state": "TX", "zip": "75202"}
_JAIL = "Dallas County Jail"


def _account(email, name, *, verified=True):
    return {
        "email": email,
        "password": DEMO_PASSWORD,
        "name": name,
        "address": dict(_ADDRESS),
        "address_verified": verified,
    }


DEMO_SCENARIOS = [
    {
        "description": "Card refund: card purchases, an unposted call from the last 24 hours.",
        "account": _account("card@demo.securus.test", "Carla Mendez"),
        "prepaid": {
            "phone_numbers": ["+12145550101"],
            "payments": [
                {
                    "at": "-60d",
                    "amount": "20.00",
                    "method": "card",
                    "card_brand": "visa",
                    "card_last4": "4242",
                },
                {
                    "at": "-10d",
                    "amount": "25.00",
                    "method": "card",
                    "card_brand": "visa",
                    "card_last4": "4242",
                },
            ],
            "calls": [
                {"at": "-20d", "number": "+12145550101", "charge": "3.40", "posted": True},
                {"at": "-5h", "number": "+12145550101", "charge": "1.20", "posted": False},
            ],
            "autopay": True,
            "textpay": True,
        },
    },
    {
        "description": "Check refund: the last purchase was by Western Union.",
        "account": _account("wu@demo.securus.test", "Walter Umbers"),
        "prepaid": {
            "phone_numbers": ["+12145550102"],
            "payments": [
                {"at": "-45d", "amount": "15.00", "method": "card", "card_last4": "1881"},
                {"at": "-7d", "amount": "30.00", "method": "western_union"},
            ],
            "calls": [{"at": "-3d", "number": "+12145550102", "charge": "2.75", "posted": True}],
        },
    },
    {
        "description": "Direct Bill: unbilled charges, so closure is held before the final statement.",
        "account": _account("directbill@demo.securus.test", "Dana Birch"),
        "directbill": {
            "phone_number": "+12145550103",
            "charges": [
                {"at": "-35d", "amount": "12.60", "billed": True, "paid": True},
                {"at": "-4d", "amount": "3.10", "billed": False},
                {"at": "-1d", "amount": "1.85", "billed": False},
            ],
        },
    },
    {
        "description": "Every service at once.",
        "account": _account("everything@demo.securus.test", "Eva Torres"),
        "prepaid": {
            "phone_numbers": ["+12145550104", "+14695550104"],
            "payments": [
                {"at": "-50d", "amount": "40.00", "method": "western_union"},
                {
                    "at": "-12d",
                    "amount": "25.00",
                    "method": "card",
                    "card_brand": "mastercard",
                    "card_last4": "5454",
                },
            ],
            "calls": [
                {"at": "-8d", "number": "+12145550104", "charge": "4.80", "posted": True},
                {"at": "-2h", "number": "+14695550104", "charge": "0.95", "posted": False},
            ],
            "autopay": True,
        },
        "directbill": {"charges": [{"at": "-3d", "amount": "2.40", "billed": False}]},
        "debit": {
            "inmate": "Luis Torres",
            "facility": _JAIL,
            "deposits": [{"at": "-20d", "amount": "50.00"}, {"at": "-6d", "amount": "25.00"}],
        },
        "messaging": {"stamps": 20},
        "video": {
            "subscriptions": [{"facility": _JAIL, "price": "29.99", "period_end": "+18d"}],
            "sessions": [
                {"facility": _JAIL, "inmate": "Luis Torres", "at": "+2d", "price": "7.99"},
                {"facility": _JAIL, "inmate": "Luis Torres", "at": "+9d", "price": "7.99"},
            ],
        },
    },
    {
        "description": "VideoConnect Unlimited at two facilities, with sessions at both.",
        "account": _account("video@demo.securus.test", "Victor Hale"),
        "video": {
            "subscriptions": [
                {"facility": _JAIL, "price": "29.99", "period_end": "+6d"},
                {"facility": "Tarrant County Corrections Center", "price": "24.99", "period_end": "+21d"},
            ],
            "sessions": [
                {"facility": _JAIL, "inmate": "Marcus Hale", "at": "+1d"},
                {"facility": "Tarrant County Corrections Center", "inmate": "Andre Hale", "at": "+4d"},
            ],
        },
    },
    {
        "description": "Unused for 200 days: the inactivity sweep emails a notice, then refunds the balance "
        "30 days later; signing in restarts the clock.",
        "account": {**_account("inactive@demo.securus.test", "Irene Castillo"), "last_login": "-200d"},
        "prepaid": {
            "phone_numbers": ["+12145550109"],
            "payments": [{"at": "-200d", "amount": "18.50", "method": "mail"}],
            "calls": [{"at": "-203d", "number": "+12145550109", "charge": "2.10", "posted": True}],
        },
    },
]


def long_history(email: str, n: int, *, password: str = DEMO_PASSWORD) -> dict:
    """An account with `n` payments, calls (half unposted), Direct Bill charges, deposits and visits: the
    benchmarks and query-count tests use it to show that cost does not grow with history."""
    return {
        "account": {
            "email": email,
            "password": password,
            "name": "Kim Lee",
            "address": {"line1": "5 Elm St", "city": "Tulsa", "state": "OK", "zip": "74103"},
            "address_verified": True,
        },
        "prepaid": {
            "phone_numbers": ["+19185550100"],
            "payments": [
                {"at": f"-{i + 1}h", "amount": "1.00", "method": "card", "card_last4": "4242"}
                for i in range(n)
            ],
            "calls": [
                {"at": f"-{i + 1}m", "number": "+19185550100", "charge": "0.01", "posted": i % 2 == 1}
                for i in range(n)
            ],
            "autopay": True,
        },
        "directbill": {
            "charges": [{"at": f"-{i + 1}h", "amount": "0.50", "billed": False} for i in range(n)]
        },
        "debit": {
            "inmate": "Sam Roe",
            "facility": "Tulsa County Jail",
            "deposits": [{"at": f"-{i + 1}h", "amount": "2.00"} for i in range(n)],
        },
        "messaging": {"stamps": 5},
        "video": {
            "subscriptions": [{"facility": "Tulsa County Jail", "price": "29.99", "period_end": "+12d"}],
            "sessions": [
                {"facility": "Tulsa County Jail", "inmate": "Sam Roe", "at": f"+{i + 1}h", "price": "5.00"}
                for i in range(n)
            ],
        },
    }


def place_demo_at_stripe(emails=None) -> dict[str, int]:
    """Make the demo accounts' card charges and VideoConnect subscriptions real objects at Stripe (the
    fake that `make run` starts, or Stripe's test mode), so refunds and Complete Cancellation go through
    Stripe as they would in production. Objects Stripe already has are left alone: safe to repeat, and
    needed again whenever the fake restarts empty."""
    from prepaid.models import Payment
    from refunds import gateway
    from video import subscriptions
    from video.models import Subscription

    emails = emails or [s["account"]["email"] for s in DEMO_SCENARIOS]
    placed = {"charges": 0, "subscriptions": 0}
    payments = Payment.objects.filter(
        prepaid_account__account__user__email__in=emails, method__in=("card", "card_phone")
    ).exclude(stripe_charge_id="")
    for payment in payments:
        if gateway.charge_exists(charge_id=payment.stripe_charge_id):
            continue
        charge_id = gateway.create_test_charge(
            amount_cents=payment.amount_cents,
            key=f"demo-charge-{payment.pk}-{payment.stripe_charge_id}",
            metadata={"payment": str(payment.pk)},
        )
        Payment.objects.filter(pk=payment.pk).update(stripe_charge_id=charge_id)
        placed["charges"] += 1
    for sub in Subscription.objects.filter(account__user__email__in=emails).select_related(
        "account__user", "facility"
    ):
        placed["subscriptions"] += subscriptions.place_at_stripe(subscription=sub)
    return placed
