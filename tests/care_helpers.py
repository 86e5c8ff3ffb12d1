"""Shared by the customer-care admin tests: staff in each role, and an account as a caller has it."""

import copy

from django.contrib.auth.models import Group

from audit.roles import MARKETING, OPERATIONS, SUPPORT_AGENT
from deletion.scenario import load_scenario
from tests.card_scenario import NOW, card_scenario  # noqa: F401  NOW: the care tests' clock
from tests.factories import StaffUserFactory

CARD_CALLER = card_scenario(
    account={"email": "ana.diaz@example.com"},
    phone="+12145550101",
    debit={
        "inmate": "Johnny Roebuck",
        "facility": "Dallas County Jail",
        "deposits": [{"at": "-9d", "amount": "50.00"}],
    },
)


def caller_account(**account_overrides):
    data = copy.deepcopy(CARD_CALLER)
    data["account"].update(account_overrides)
    return load_scenario(data=data)


def staff_in(group_name: str, **kwargs):
    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


ROLES = [SUPPORT_AGENT, OPERATIONS, MARKETING]
