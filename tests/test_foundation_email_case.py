"""An email is one account regardless of letter case: the database and the scenario loader refuse a twin."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_the_same_email_in_other_case():
    UserFactory(email="ana@example.com")
    # Bypass the manager's lower-casing: the functional unique index is the last line of defence.
    with pytest.raises(IntegrityError, match="user_email_upper_uniq"), transaction.atomic():
        get_user_model().objects.bulk_create([get_user_model()(email="ANA@Example.com")])


def test_sign_in_lookup_matches_any_case():
    user = UserFactory(email="ana@example.com")
    assert get_user_model().objects.get_by_natural_key("ANA@EXAMPLE.COM") == user


def test_scenario_with_an_existing_email_in_other_case_is_refused():
    UserFactory(email="Ana@Example.COM")
    example = Path(__file__).parent / "scenarios" / "design_example.json"
    with pytest.raises(
        CommandError, match=r"account\.email: an account with ana@example\.com already exists"
    ):
        call_command("load_scenario", str(example))
    assert get_user_model().objects.count() == 1
