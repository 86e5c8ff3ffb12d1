"""Repeated wrong passwords lock the sign-in out, on the family sign-in page and on the admin's, even when
the right password follows; a right password before the limit resets the count."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, AccountFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def _attempt(client, url, email, password):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR="203.0.113.9")


@pytest.mark.parametrize("page", ["accounts:login", "admin:login"])
def test_lockout_after_repeated_failures(client, settings, page):
    user = AccountFactory().user if page == "accounts:login" else StaffUserFactory()
    url = reverse(page)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _attempt(client, url, user.email, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    locked = _attempt(client, url, user.email, "wrong-password")
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    # The right password no longer gets in while locked out.
    after = _attempt(client, url, user.email, PASSWORD)
    assert after.status_code == 429
    assert "_auth_user_id" not in client.session


def test_success_before_the_limit_resets_the_count(client, settings):
    user = AccountFactory().user
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _attempt(client, url, user.email, "wrong-password")
    assert _attempt(client, url, user.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, url, user.email, "wrong-password").status_code == 200
    assert _attempt(client, url, user.email, PASSWORD).status_code == 302


def test_lockout_is_per_email_and_address(client, settings):
    locked_user, other = AccountFactory().user, AccountFactory().user
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, url, locked_user.email, "wrong-password")
    assert _attempt(client, url, other.email, PASSWORD).status_code == 302
    client.logout()
    elsewhere = client.post(
        url, {"username": locked_user.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 302
