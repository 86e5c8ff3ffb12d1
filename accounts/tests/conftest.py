"""Accounts page tests: accounts built from scenario files, signed-in clients, frozen time."""

import copy

import pytest
import time_machine
from django.test import Client

from deletion.scenario import load_scenario
from tests.card_scenario import NOW, PASSWORD, card_scenario  # noqa: F401  PASSWORD: for the tests here

CARD_SCENARIO = card_scenario()


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
