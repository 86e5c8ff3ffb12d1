"""Sign-up refuses an email that belonged to a deleted account, whatever its letter case."""

import pytest
from django.urls import reverse

from accounts.forms import RETIRED_EMAIL_MESSAGE
from accounts.models import Account, User
from tests.factories import RetiredEmailFactory

FORM = {"name": "Ana Diaz", "password1": "Cactus-lantern-2026", "password2": "Cactus-lantern-2026"}


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ANA@Example.COM", "  ana@example.com ", "Ana@example.com"])
def test_retired_email_in_any_case_is_refused(client, typed):
    RetiredEmailFactory(email="ana@example.com")
    response = client.post(reverse("accounts:signup"), {**FORM, "email": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert RETIRED_EMAIL_MESSAGE in html
    assert 'id="id_email_error"' in html
    assert not User.objects.filter(email__iexact="ana@example.com").exists()


@pytest.mark.django_db
def test_a_new_email_opens_an_account_and_signs_in(client):
    RetiredEmailFactory(email="ana@example.com")
    response = client.post(reverse("accounts:signup"), {**FORM, "email": "Ana.New@Example.com"})
    assert response.status_code == 302
    user = User.objects.get(email__iexact="ana.new@example.com")
    assert user.email == "ana.new@example.com"
    assert Account.objects.get(user=user).name == "Ana Diaz"
    assert client.get(reverse("deletion:home")).status_code == 200


@pytest.mark.django_db
def test_mismatched_passwords_are_refused(client):
    response = client.post(
        reverse("accounts:signup"), {**FORM, "email": "new@example.com", "password2": "Cactus-lantern-2027"}
    )
    assert "The two passwords are different" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()
