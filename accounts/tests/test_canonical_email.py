"""One canonical email (NFKC, casefold, trimmed) for sign-up, sign-in, uniqueness and retired emails:
look-alike spellings of a retired or taken email are refused, and none of them signs into another's
account."""

import pytest
from django.urls import reverse

from accounts.forms import RETIRED_EMAIL_MESSAGE
from accounts.models import Account, RetiredEmail, User, canonical_email, retired_email_digest
from tests.factories import AccountDeletionFactory, RetiredEmailFactory, UserFactory

FORM = {"name": "Kim Lee", "password1": "Cactus-lantern-2026", "password2": "Cactus-lantern-2026"}


@pytest.mark.parametrize(
    "typed",
    [
        "kiss@example.com",
        " KISS@EXAMPLE.COM\t",
        "ki\u017fs@example.com",  # long s
        "kiß@example.com",  # sharp s casefolds to "ss"
        "ｋｉｓｓ@example.com",  # full-width letters
    ],
)
def test_spellings_of_one_address_share_one_canonical_form(typed):
    assert canonical_email(typed) == "kiss@example.com"
    assert retired_email_digest(typed) == retired_email_digest("kiss@example.com")


def test_plus_addressing_and_dots_are_different_addresses():
    assert canonical_email("Kim+video@example.com") == "kim+video@example.com"
    assert canonical_email("k.im@example.com") != canonical_email("kim@example.com")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ki\u017fs@example.com", "KIß@example.com", "ｋｉｓｓ@example.com"])
def test_a_look_alike_of_a_retired_email_cannot_sign_up(client, typed):
    RetiredEmailFactory(email="kiss@example.com")
    users = User.objects.count()
    response = client.post(reverse("accounts:signup"), {**FORM, "email": typed})
    assert response.status_code == 200
    assert RETIRED_EMAIL_MESSAGE in response.content.decode()
    assert User.objects.count() == users


@pytest.mark.django_db
def test_a_look_alike_of_a_taken_email_cannot_sign_up(client):
    UserFactory(email="kiss@example.com")
    response = client.post(reverse("accounts:signup"), {**FORM, "email": "ki\u017fs@Example.com"})
    assert "An account with this email address already exists" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_sign_up_stores_the_canonical_email_and_sign_in_finds_it_by_any_spelling(client):
    response = client.post(reverse("accounts:signup"), {**FORM, "email": "  Straße@Example.com "})
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "strasse@example.com"
    client.logout()
    signed = client.post(
        reverse("accounts:login"), {"username": "STRASSE@example.com", "password": FORM["password1"]}
    )
    assert signed.status_code == 302


@pytest.mark.django_db
def test_quoted_local_parts_are_refused(client):
    response = client.post(reverse("accounts:signup"), {**FORM, "email": '"kim.lee"@example.com'})
    assert response.status_code == 200
    assert "without quotation marks" in response.content.decode()
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_a_retired_digest_under_an_old_key_is_found_and_rewritten_under_the_new_one(settings):
    settings.RETIRED_EMAIL_KEYS = [(1, "first-key")]
    old_digest = retired_email_digest("kiss@example.com")
    assert old_digest.startswith("v1:")
    RetiredEmail.objects.create(digest=old_digest, deletion=AccountDeletionFactory())

    settings.RETIRED_EMAIL_KEYS = [(2, "second-key"), (1, "first-key")]
    assert RetiredEmail.is_retired("KISS@example.com")
    found = RetiredEmail.find("kiss@example.com")
    assert found.digest.startswith("v2:") and found.digest == retired_email_digest("kiss@example.com")
    assert RetiredEmail.objects.get().digest == found.digest

    # Once the first key is dropped, the rewritten row is still recognised.
    settings.RETIRED_EMAIL_KEYS = [(2, "second-key")]
    assert RetiredEmail.is_retired("kiss@example.com")
