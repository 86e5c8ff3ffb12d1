"""No button in the admin that can only refuse: no Delete or "Delete selected" on rows their services close
(and that protected rows would refuse to delete), no Save on the agent's read-only account page."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from securus.phones import display_phone
from tests.care_helpers import caller_account
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "accounts",
    "audit",
    "care",
    "deletion",
    "debit",
    "directbill",
    "facilities",
    "messaging",
    "prepaid",
    "refunds",
    "video",
}
# Rows an operator may really remove: a staff user, a calling line. Enrolments and debit links change
# through their services only (read-only in admin).
DELETABLE = {"accounts.user", "prepaid.phonenumber"}


def test_only_rows_that_can_really_be_deleted_offer_delete():
    request = RequestFactory().get("/admin/")
    request.user = StaffUserFactory(is_superuser=True)
    deletable = {
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS and model_admin.has_delete_permission(request)
    }
    assert deletable == DELETABLE
    for model, model_admin in admin.site._registry.items():
        if model._meta.label_lower not in DELETABLE and model._meta.app_label in OUR_APPS:
            assert "delete_selected" not in model_admin.get_actions(request), model


def test_the_account_page_has_no_save_and_no_delete(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    account = caller_account()
    html = client.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert reverse("admin:accounts_account_delete", args=[account.pk]) not in html
    assert "Delete on the caller" in html  # the one way to delete is still there
    changelist = client.get(reverse("admin:accounts_account_changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist
    # Accounts are opened by signing up: no "Add account" button, and its address is refused.
    assert reverse("admin:accounts_account_add") not in changelist
    assert client.get(reverse("admin:accounts_account_add")).status_code == 403


def test_the_account_page_shows_the_phone_as_agents_read_it(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    account = caller_account(phone="+12145550199")
    html = client.get(reverse("admin:accounts_account_change", args=[account.pk])).content.decode()
    assert "+12145550199" not in html and display_phone("+12145550199") == "(214) 555-0199"
    assert "(214) 555-0199" in html
