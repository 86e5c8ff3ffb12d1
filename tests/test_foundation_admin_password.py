"""The user admin never shows a password hash, and refuses an email that differs only in case."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_change_page_shows_no_hash(admin_client):
    user = UserFactory(email="ana@example.com")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    algorithm, *_, hash_ = user.password.split("$")
    assert "ana@example.com" in page
    assert hash_ not in page and hash_[:6] not in page
    assert algorithm not in page
    assert reverse("admin:auth_user_password_change", args=[user.pk]) in page


def test_changing_a_user_keeps_the_password(admin_client):
    user = UserFactory(email="ana@example.com", name="Ana")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(url, {"email": "ana@example.com", "name": "Ana Diaz", "is_active": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.name == "Ana Diaz" and user.check_password("Test-pass-2026")


def test_add_user_refuses_an_email_in_other_case(admin_client):
    UserFactory(email="ana@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "ANA@Example.com",
            "name": "Ana",
            "usable_password": "true",
            "password1": "Long-pass-2026!",
            "password2": "Long-pass-2026!",
        },
    )
    assert response.status_code == 200
    assert get_user_model().objects.count() == 2  # the superuser and the first Ana
    assert "already exists" in response.context["adminform"].form.errors["email"][0]
