"""Deleting ends this session and every other session of the same person (another phone, a laptop)."""

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from .conftest import PASSWORD, signed_in
from .helpers import fingerprint_of


def test_every_session_ends(card_account, client_for):
    laptop = signed_in(card_account)
    assert laptop.get(reverse("deletion:home")).status_code == 200

    client_for.post(
        reverse("deletion:delete_confirm"),
        {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client_for)},
    )
    assert SESSION_KEY not in client_for.session
    for client in (client_for, laptop):
        response = client.get(reverse("deletion:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    # The laptop's session was signed with the old password's hash, which no longer matches.
    card_account.user.refresh_from_db()
    assert laptop.session[HASH_SESSION_KEY] != card_account.user.get_session_auth_hash()
