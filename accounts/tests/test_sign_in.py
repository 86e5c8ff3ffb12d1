"""Sign-in by email in any letter case; a deleted account's email gets a clear explanation."""

from django.urls import reverse

from .conftest import PASSWORD
from .helpers import fingerprint_of


def test_sign_in_with_email_in_any_case(card_account, client):
    response = client.post(reverse("accounts:login"), {"username": "ANA@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("deletion:home")


def test_deleted_account_cannot_sign_in_and_is_told_why(card_account, client_for, client):
    client_for.post(
        reverse("deletion:delete_confirm"),
        {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client_for)},
    )
    response = client.post(reverse("accounts:login"), {"username": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "was deleted, so it can no longer be signed in to" in response.content.decode()
    assert client.get(reverse("deletion:home")).status_code == 302


def test_password_reset_sends_a_link_to_our_page(card_account, client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "ANA@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    assert "/password-reset/" in mailoutbox[0].body
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line)
    page = client.get(link.split("testserver", 1)[1], follow=True)
    assert "Choose a new password" in page.content.decode()


def test_password_reset_finds_the_account_by_its_canonical_email(db, client, mailoutbox):
    from tests.factories import UserFactory

    UserFactory(email="strasse@example.com")
    # "ß" folds to "ss" and full-width letters to plain ones, as at sign-up and sign-in.
    for typed in ("STRAßE@example.com", "ｓtrasse@example.com"):
        client.post(reverse("accounts:password_reset"), {"email": typed})
    assert [message.to for message in mailoutbox] == [["strasse@example.com"]] * 2


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(db, client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_staff_have_no_account_page(db, client):
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory())
    response = client.get(reverse("deletion:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_sign_in_with_an_absurd_email_is_a_form_error(db, client):
    for username in ("a" * 300 + "@example.com", "ana\x00@example.com"):
        response = client.post(reverse("accounts:login"), {"username": username, "password": "x"})
        assert response.status_code == 200
