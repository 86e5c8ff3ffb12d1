"""The lockout holds: failures count per canonical email whatever spelling is typed, on the site and the
admin; the Delete Account password confirm counts too; behind the TLS proxy two clients are counted apart
and a forged X-Forwarded-For does not reset the count."""

import pytest
from django.urls import reverse

from accounts.models import Account
from tests.factories import PASSWORD, AccountFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

SPELLINGS = ["{e}", " {e}", "{E}", "{e} ", "{T}"]


def _spellings(email):
    local, domain = email.split("@")
    return [s.format(e=email, E=email.upper(), T=local.title() + "@" + domain.upper()) for s in SPELLINGS]


def _attempt(client, url, email, password, **extra):
    extra.setdefault("REMOTE_ADDR", "203.0.113.9")
    return client.post(url, {"username": email, "password": password}, **extra)


@pytest.mark.parametrize("page", ["accounts:login", "admin:login"])
def test_spellings_of_one_email_share_one_count(client, settings, page):
    user = AccountFactory().user if page == "accounts:login" else StaffUserFactory()
    url = reverse(page)
    spellings = _spellings(user.email)
    assert settings.AXES_FAILURE_LIMIT == len(spellings)
    for typed in spellings[:-1]:
        assert _attempt(client, url, typed, "wrong-password").status_code == 200
    assert _attempt(client, url, spellings[-1], "wrong-password").status_code == 429
    # No spelling gets in with the right password while locked, so none can clear the lock.
    for typed in spellings:
        assert _attempt(client, url, typed, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_delete_confirm_passwords_count_toward_the_lockout(client, settings):
    account = AccountFactory()
    client.force_login(account.user)
    url = reverse("deletion:delete_confirm")
    form = {"password": "wrong-password", "understand": "on", "fingerprint": "x"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, form, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 400
        assert "That password is not correct" in response.content.decode()
    locked = client.post(url, form, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429
    # The lock is the sign-in's lock too.
    client.logout()
    assert _attempt(client, reverse("accounts:login"), account.user.email, PASSWORD).status_code == 429
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE


def _via_proxy(client, url, email, password, client_address, forged=""):
    chain = f"{forged}, {client_address}" if forged else client_address
    return _attempt(client, url, email, password, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=chain)


def test_two_clients_behind_the_tls_proxy_are_counted_apart(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = AccountFactory().user
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _via_proxy(client, url, user.email, "wrong-password", "198.51.100.20")
    assert _via_proxy(client, url, user.email, PASSWORD, "198.51.100.20").status_code == 429
    # Another family at another address, through the same proxy, signs in.
    assert _via_proxy(client, url, user.email, PASSWORD, "192.0.2.55").status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_count(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = AccountFactory().user
    url = reverse("accounts:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _via_proxy(client, url, user.email, "wrong-password", "198.51.100.20", forged=f"192.0.2.{n}")
    assert (
        _via_proxy(client, url, user.email, PASSWORD, "198.51.100.20", forged="192.0.2.99").status_code == 429
    )


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = AccountFactory().user
    url = reverse("accounts:login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, url, user.email, "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _attempt(client, url, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
