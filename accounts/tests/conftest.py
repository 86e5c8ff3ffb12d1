"""Accounts page tests: accounts built from scenario files, signed-in clients, frozen time."""

import copy

import pytest
import time_machine
from django.test import Client

from deletion.scenario import load_scenario

NOW = "2026-11-26T15:00:00Z"  # a Thursday; card refunds skip Thanksgiving weekend rules via business days
PASSWORD = "Demo-pass-2026"

CARD_SCENARIO = {
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


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_account(**changes):
    data = copy.deepcopy(CARD_SCENARIO)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        elif key == "account":
            data["account"].update(value)
        else:
            data[key] = value
    return load_scenario(data=data)


@pytest.fixture
def card_account(db, frozen):
    return make_account()


def signed_in(account, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(account.user)
    return client


@pytest.fixture
def client_for(card_account):
    return signed_in(card_account)
