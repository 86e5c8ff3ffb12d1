"""A confirm POST with bad input changes nothing and says why, next to the field concerned."""

import pytest
from django.urls import reverse

from accounts.models import Account

from .conftest import PASSWORD, make_account, signed_in
from .helpers import element_attrs, fingerprint_of, world_state

CONFIRM = "deletion:delete_confirm"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"understand": "on"}, "password", "Enter your password to confirm it is you."),
        ({"password": "not-my-password", "understand": "on"}, "password", "That password is not correct."),
        ({"password": PASSWORD}, "understand", "Tick this box to show you understand"),
    ],
    ids=["no-password", "wrong-password", "no-checkbox"],
)
def test_bad_confirm_changes_nothing(card_account, client_for, data, field, message):
    data = {**data, "fingerprint": fingerprint_of(client_for)}
    before = world_state(card_account)
    response = client_for.post(reverse(CONFIRM), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert html.count("Nothing has been deleted.") == 1  # said once, in the summary at the top
    # The message is tied to its field for screen readers: the field itself points at it.
    assert f'id="id_{field}_error"' in html
    attrs = element_attrs(html, f"id_{field}")
    assert f"id_{field}_error" in attrs.get("aria-describedby", "").split()
    assert attrs.get("aria-invalid") == "true"
    assert world_state(card_account) == before


def test_missing_fingerprint_changes_nothing(card_account, client_for):
    before = world_state(card_account)
    response = client_for.post(reverse(CONFIRM), {"password": PASSWORD, "understand": "on"})
    assert response.status_code == 400
    assert "This page is out of date" in response.content.decode()
    assert world_state(card_account) == before


def test_without_csrf_token_is_refused(card_account):
    client = signed_in(card_account, enforce_csrf_checks=True)
    before = world_state(card_account)
    response = client.post(
        reverse(CONFIRM), {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client)}
    )
    assert response.status_code == 403
    assert world_state(card_account) == before


def test_get_is_not_allowed(card_account, client_for):
    before = world_state(card_account)
    assert client_for.get(reverse(CONFIRM)).status_code == 405
    assert world_state(card_account) == before


def test_another_accounts_id_in_the_post_is_ignored(card_account, client_for):
    """The view deletes request.user's own account; an account id smuggled into the POST has no effect."""
    other = make_account(account={"email": "bo@example.com", "name": "Bo Lee"})
    other_before = world_state(other)
    # A wrong password with the other account's id: nothing at all happens.
    response = client_for.post(
        reverse(CONFIRM),
        {
            "password": "Demo-pass-wrong",
            "understand": "on",
            "fingerprint": fingerprint_of(client_for),
            "account": other.pk,
            "account_id": other.pk,
        },
    )
    assert response.status_code == 400
    assert world_state(other) == other_before
    # A valid confirmation carrying the other id deletes the signed-in person's account, never the other.
    client_for.post(
        reverse(CONFIRM),
        {
            "password": PASSWORD,
            "understand": "on",
            "fingerprint": fingerprint_of(client_for),
            "account": other.pk,
            "account_id": other.pk,
        },
    )
    assert world_state(other) == other_before
    assert Account.objects.get(pk=other.pk).status == Account.Status.ACTIVE
    assert Account.objects.get(pk=card_account.pk).status == Account.Status.DELETED
