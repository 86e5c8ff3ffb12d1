"""Unsubscribe from VideoConnect Unlimited in Chromium, starting from My Account, as a family member would."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_audit import SCREENS, assert_page_is_fine, new_context
from tests.factories import PASSWORD, AccountFactory, FacilityFactory
from video import subscriptions as service
from video.models import Subscription, UnsubscribeAnswer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FACILITY = "Dallas County Jail"


@pytest.fixture
def setup(fake_stripe, browser_site, live_server, page):
    # Transactional tests flush the reasons the data migration wrote: put them back.
    importlib.import_module("video.migrations.0003_unsubscribe_reasons").add_reasons(django_apps, None)
    account = AccountFactory()
    sub = service.subscribe(
        account=account,
        facility=FacilityFactory(name=FACILITY),
        payment_method="tok_visa",
        actor=account.user,
    )
    client = Client()
    client.login(username=account.user.email, password=PASSWORD)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return sub, fake_stripe, live_server.url


def state(sub, fake):
    sub.refresh_from_db()
    remote = fake.get("subscriptions", sub.stripe_subscription_id)
    return (
        sub.status,
        sub.current_period_end,
        sub.cancel_at_period_end,
        sub.canceled_at,
        remote["cancel_at_period_end"],
        remote["status"],
    )


def open_step1(page, base):
    page.goto(base + reverse("deletion:home"))
    page.get_by_role("link", name=f"Unsubscribe from {FACILITY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you go, tell us why")


def test_unsubscribe_button_is_disabled_until_a_reason_is_chosen(setup, page):
    sub, fake, base = setup
    open_step1(page, base)
    button = page.get_by_role("button", name="Unsubscribe", exact=True)
    expect(button).to_be_disabled()
    page.get_by_label("Other", exact=True).check()
    expect(button).to_be_disabled()  # "Other" needs a few words too
    page.get_by_label("Your reason, in a few words").fill("We are moving")
    expect(button).to_be_enabled()
    page.get_by_label("Video or sound problems during visits").check()
    expect(button).to_be_enabled()


@pytest.mark.parametrize("step", [1, 2])
def test_stay_enrolled_from_each_step_returns_to_my_account_unchanged(setup, page, step):
    sub, fake, base = setup
    before = state(sub, fake)
    open_step1(page, base)
    page.get_by_label("It costs more than I can afford right now").check()
    if step == 2:
        page.get_by_role("button", name="Unsubscribe", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You are about to unsubscribe")
        expect(page.get_by_role("button", name="Complete Cancellation")).to_be_visible()
    page.get_by_role("button", name="Stay Enrolled").click()
    expect(page).to_have_url(base + reverse("deletion:home"))
    expect(page.get_by_role("status")).to_contain_text(
        f"You are still enrolled in VideoConnect Unlimited at {FACILITY}."
    )
    expect(page.locator("#video-subscriptions")).to_contain_text("Active: renews on")
    assert state(sub, fake) == before
    answer = UnsubscribeAnswer.objects.get()
    assert (answer.reason.code, answer.outcome) == ("too_expensive", "stayed")


def test_staying_never_takes_more_clicks_than_cancelling(setup, page):
    """From My Account: cancelling is Unsubscribe, a reason, Unsubscribe, Complete Cancellation; staying
    is one click on either page."""
    sub, fake, base = setup
    open_step1(page, base)
    expect(page.get_by_role("button", name="Stay Enrolled")).to_be_visible()
    page.get_by_label("It costs more than I can afford right now").check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    actions = page.locator("main .actions").last
    expect(actions.get_by_role("button")).to_have_text(["Complete Cancellation", "Stay Enrolled"])
    expect(page.get_by_role("link", name=re.compile("Continue", re.I))).to_have_count(0)


def test_complete_cancellation_keeps_it_active_until_the_period_end_shown(setup, page):
    sub, fake, base = setup
    period_end = timezone.localtime(sub.current_period_end).strftime("%B %-d, %Y")
    open_step1(page, base)
    page.get_by_label("I don't use enough visits to need it").check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.get_by_test_id("period-end")).to_have_text(period_end)
    expect(page.locator("dl.facts")).to_contain_text("Next charge")
    expect(page.locator("dl.facts")).to_contain_text("None, for the monthly fee")
    page.get_by_role("button", name="Complete Cancellation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your subscription is cancelled")
    expect(page.get_by_test_id("period-end")).to_have_text(period_end)

    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE and sub.cancel_at_period_end
    assert timezone.localtime(sub.current_period_end).strftime("%B %-d, %Y") == period_end
    remote = fake.get("subscriptions", sub.stripe_subscription_id)
    assert remote["status"] == "active" and remote["cancel_at_period_end"] is True
    assert remote["cancellation_details"]["feedback"] == "unused"

    page.get_by_role("link", name="Back to My Account").click()
    card = page.locator("#video-subscriptions")
    expect(card).to_contain_text(re.compile(rf"Cancelled: unlimited visits until\s+{period_end}"))
    expect(card.get_by_role("button", name=f"Resume the subscription at {FACILITY}")).to_be_visible()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_every_step_to_the_cancelled_page_passes_axe(setup, browser, screen):
    sub, fake, base = setup
    context = new_context(browser, base, SCREENS[screen], user=sub.account.user)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=f"Unsubscribe from {FACILITY}").click()
    assert_page_is_fine(page, f"{screen}: reason")
    page.get_by_label("I don't use enough visits to need it").check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    assert_page_is_fine(page, f"{screen}: warning")
    page.get_by_role("button", name="Complete Cancellation").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Your subscription is cancelled")
    expect(heading).to_be_focused()
    assert_page_is_fine(page, f"{screen}: cancelled")
    context.close()
