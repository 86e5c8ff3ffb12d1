"""Shared by the customer-care admin tests: staff in each role, and an account as a caller has it."""

import copy

from django.contrib.auth.models import Group

from audit.roles import MARKETING, OPERATIONS, SUPPORT_AGENT
from deletion.scenario import load_scenario
from tests.factories import StaffUserFactory

NOW = "2026-11-26T15:00:00Z"  # a Thursday (Thanksgiving): business-day rules are exercised

CARD_CALLER = {
    "now": NOW,
    "account": {
        "email": "ana.diaz@example.com",
        "password": "Demo-pass-2026",
        "name": "Ana Diaz",
        "address": {"line1": "12 Oak St", "line2": "", "city": "Dallas", "state": "TX", "zip": "75201"},
        "address_verified": True,
    },
    "prepaid": {
        "phone_numbers": ["+12145550101"],
        "payments": [{"at": "-40d", "amount": "25.00", "method": "card", "card_last4": "4242"}],
        "calls": [{"at": "-3h", "number": "+12145550101", "charge": "1.20", "posted": False}],
        "autopay": True,
    },
    "debit": {
        "inmate": "Johnny Roebuck",
        "facility": "Dallas County Jail",
        "deposits": [{"at": "-9d", "amount": "50.00"}],
    },
    "messaging": {"stamps": 12},
}


def caller_account(**account_overrides):
    data = copy.deepcopy(CARD_CALLER)
    data["account"].update(account_overrides)
    return load_scenario(data=data)


def staff_in(group_name: str, **kwargs):
    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


ROLES = [SUPPORT_AGENT, OPERATIONS, MARKETING]
