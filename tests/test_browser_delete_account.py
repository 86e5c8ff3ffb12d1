"""Delete Account in Chromium, as a family member would: sign in, read what will happen, confirm, keep the
receipt, follow the refund, and find the account gone."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from deletion.models import AccountDeletion
from deletion.scenario import load_scenario
from refunds.models import Refund
from tests.card_scenario import PASSWORD, card_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EMAIL = "card@example.test"
SCENARIO = card_scenario(account={"email": EMAIL, "name": "Carla Reyes"}, now=None)


def sign_in(page, base):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Email address").fill(EMAIL.upper())  # any letter case signs in
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_delete_account_from_sign_in_to_receipt(page, browser_site):
    account = load_scenario(data=SCENARIO)
    base = browser_site

    sign_in(page, base)
    expect(page.get_by_role("heading", name="My Account", level=1)).to_be_visible()
    page.get_by_role("link", name="Delete Account").click()

    expect(page.get_by_role("heading", name="Delete Account", level=1)).to_be_visible()
    summary = page.get_by_test_id("refund-summary")
    expect(summary.get_by_test_id("refund-total")).to_have_text("$23.80")
    expect(summary).to_contain_text("Visa ending in 4242")
    expect(page.get_by_text("can never open a new Securus Online account")).to_be_visible()

    # Without the checkbox nothing happens: the summary at the top takes focus and says so once, and
    # the reason also sits next to the box.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete Account").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick this box to show you understand")
    expect(page.get_by_text("Nothing has been deleted.")).to_have_count(1)
    expect(page.locator("#id_understand_error")).to_contain_text("Tick this box")
    assert Account.objects.get(pk=account.pk).status == Account.Status.ACTIVE

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete Account").click()

    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    receipt = page.get_by_test_id("receipt-refunds")
    expect(receipt).to_contain_text("$23.80")
    expect(receipt).to_contain_text("Visa ending in 4242")
    deletion = AccountDeletion.objects.get(account=account)
    assert Refund.objects.filter(deletion=deletion).count() == 1

    page.get_by_test_id("tracking-link").click()
    expect(page.get_by_role("heading", name="Your refund", level=1)).to_be_visible()
    expect(page.get_by_text("$23.80")).to_be_visible()

    sign_in(page, base)
    expect(page.get_by_text("was deleted, so it can no longer be signed in to")).to_be_visible()
    assert page.url.rstrip("/").endswith("/sign-in")
