"""Each request loads the signed-in user and their family account in one query (AccountBackend)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import AccountBackend
from tests import factories as f


@pytest.mark.django_db
def test_the_user_comes_with_their_account_in_one_query():
    account = f.AccountFactory()
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(str(account.user_id))  # the session keeps the id as text
        assert user == account.user and user.email == account.user.email
        assert user.account == account and user.account.name == account.name
        assert user.account.user is user
        assert user.check_password(f.PASSWORD) and user.is_active
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_user_without_an_account_is_loaded_without_asking_again():
    staff = f.StaffUserFactory()
    with CaptureQueriesContext(connection) as queries:
        user = AccountBackend().get_user(staff.pk)
        assert user == staff and getattr(user, "account", None) is None
    assert len(queries) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("user_id", ["not-a-number", None, "999999999"])
def test_no_user_for_an_unknown_id(user_id):
    assert AccountBackend().get_user(user_id) is None


@pytest.mark.django_db
def test_an_inactive_user_is_not_signed_in():
    account = f.AccountFactory(user__is_active=False)
    assert AccountBackend().get_user(account.user_id) is None
