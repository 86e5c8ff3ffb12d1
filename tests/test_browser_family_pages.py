"""Every family page on a phone (390 px, and the narrowest phones at 320 px) and a desktop (1280 px): no
serious or critical axe-core finding, no sideways scrolling, a visible focus ring, and focus on the main
heading (or the error summary) after each step."""

import copy
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from playwright.sync_api import expect

from deletion.demo import DEMO_SCENARIOS
from deletion.models import AccountDeletion
from deletion.scenario import load_scenario
from deletion.services import delete_account
from refunds.tracking import tracking_path, tracking_token
from tests.browser_audit import (
    FOCUS_COLOURS_JS,
    NARROWEST,
    SCREENS,
    assert_page_is_fine,
    blocking_violations,
    contrast_ratio,
    new_context,
    sideways_overflow,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def demo(email_prefix):
    return copy.deepcopy(next(s for s in DEMO_SCENARIOS if s["account"]["email"].startswith(email_prefix)))


@pytest.fixture
def everything(browser_site):
    # Transactional tests flush the reasons the data migration wrote: put them back.
    importlib.import_module("video.migrations.0003_unsubscribe_reasons").add_reasons(django_apps, None)
    return load_scenario(data=demo("everything@"))


@pytest.fixture
def deleted_by_check(browser_site):
    account = load_scenario(data=demo("wu@"))
    deletion = delete_account(account, actor=account.user, channel=AccountDeletion.Channel.WEB)
    return deletion


def family_pages(page, context_name):
    """Walk the signed-in pages as a family member does, checking each one; yields nothing, asserts."""
    page.goto("/")
    assert_page_is_fine(page, f"{context_name}: My Account")
    page.goto(reverse("accounts:settings"))
    assert_page_is_fine(page, f"{context_name}: My Settings")
    page.goto(reverse("deletion:delete"))
    assert_page_is_fine(page, f"{context_name}: Delete Account")
    page.goto(reverse("video:subscribe"))
    assert_page_is_fine(page, f"{context_name}: Subscribe")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_signed_in_pages(browser, browser_site, everything, screen):
    context = new_context(browser, browser_site, SCREENS[screen], user=everything.user)
    page = context.new_page()
    family_pages(page, screen)

    # The VideoConnect table is a table on a desktop and one card per row on a phone.
    page.goto("/")
    row = page.locator("#video-sessions tbody tr").first
    display = row.evaluate("el => getComputedStyle(el).display")
    assert display == ("block" if screen == "phone" else "table-row")

    # Phone numbers as people write them.
    expect(page.locator("main")).to_contain_text("(214) 555-0104")
    expect(page.locator("main")).not_to_contain_text("+12145550104")

    # The heading sits clear of the header.
    gap = page.evaluate(
        "document.querySelector('main h1').getBoundingClientRect().top"
        " - document.querySelector('.site-header').getBoundingClientRect().bottom"
    )
    assert gap >= 16

    # The money in one place, in the future tense.
    page.goto(reverse("deletion:delete"))
    money = page.get_by_test_id("money-sum")
    expect(money).to_contain_text("$60.20")  # balance
    expect(money.get_by_test_id("deducted")).to_contain_text("$0.95")  # calls from the last 24 hours
    expect(money.get_by_test_id("refund-total")).to_have_text("$59.25")
    expect(page.locator("main")).to_contain_text("Will be refunded")
    # No past tense before anything happened ("Closed. $59.25 refunded.").
    expect(page.locator("main")).not_to_contain_text(re.compile(r"\$[\d.]+ refunded"))
    prepaid_card = page.locator('[data-service="prepaid"]')
    expect(prepaid_card).not_to_contain_text("$")  # amounts are shown once, above
    directbill = page.locator('[data-service="directbill"]')
    expect(directbill).to_contain_text("may still be billed: $2.40 so far")
    expect(directbill).to_contain_text("final statement will be emailed to everything@demo.securus.test")
    context.close()


def test_nothing_scrolls_sideways_on_the_narrowest_phones(
    browser, browser_site, everything, deleted_by_check
):
    context = new_context(browser, browser_site, NARROWEST, user=everything.user)
    page = context.new_page()
    for path in ["/", reverse("accounts:settings"), reverse("deletion:delete"), reverse("video:subscribe")]:
        page.goto(path)
        assert sideways_overflow(page) <= 0, path
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Unsubscribe from")).click()
    assert sideways_overflow(page) <= 0, "unsubscribe reason"
    context.close()
    context = new_context(browser, browser_site, NARROWEST)
    page = context.new_page()
    for path in [
        reverse("accounts:login"),
        reverse("accounts:signup"),
        tracking_path(deleted_by_check.pk),
        reverse("deletion:delete_done", args=[tracking_token(deleted_by_check.pk)]),
        "/no-such-page/",
    ]:
        page.goto(path)
        assert sideways_overflow(page) <= 0, path
    context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_signed_out_pages_receipt_and_tracking(browser, browser_site, deleted_by_check, screen):
    context = new_context(browser, browser_site, SCREENS[screen])
    page = context.new_page()
    for path, name in [
        (reverse("accounts:login"), "sign in"),
        (reverse("accounts:signup"), "sign up"),
        (reverse("accounts:password_reset"), "password reset"),
        (reverse("deletion:delete_done", args=[tracking_token(deleted_by_check.pk)]), "receipt"),
        (tracking_path(deleted_by_check.pk), "tracking"),
    ]:
        page.goto(path)
        assert_page_is_fine(page, f"{screen}: {name}")

    # The check has not been mailed yet: the tracking page does not say it was.
    expect(page.locator("main")).to_contain_text(re.compile("Check will be mailed to Dallas, TX", re.I))
    expect(page.locator("main")).not_to_contain_text("Check mailed")

    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We cannot find that page")
    expect(page.locator(".site-header")).to_be_visible()  # the site's own layout, not a bare error
    assert_page_is_fine(page, f"{screen}: 404")

    assert page.goto("/robots.txt").status == 200
    assert "Disallow: /" in page.content()
    assert page.goto("/favicon.ico").status == 200
    context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_focus_moves_to_the_heading_or_the_error_summary_after_each_step(
    browser, browser_site, everything, screen
):
    context = new_context(browser, browser_site, SCREENS[screen], user=everything.user)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="My Settings").last.click()
    expect(page.get_by_role("heading", level=1, name="My Settings")).to_be_focused()

    # A bad ZIP code: the summary takes focus and names the problem.
    page.get_by_label("ZIP code").fill("7520")
    page.get_by_role("button", name="Save address").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("ZIP code")
    assert_page_is_fine(page, f"{screen}: My Settings with an error")

    page.goto("/")
    page.get_by_role("link", name="Delete Account").click()
    expect(page.get_by_role("heading", level=1, name="Delete Account")).to_be_focused()
    page.get_by_role("button", name="Delete Account").click()  # no password, no tick
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_text("Nothing has been deleted.")).to_have_count(1)
    assert_page_is_fine(page, f"{screen}: Delete Account with errors")
    context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_unsubscribe_steps(browser, browser_site, everything, screen):
    context = new_context(browser, browser_site, SCREENS[screen], user=everything.user)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Unsubscribe from")).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Before you go, tell us why")
    expect(heading).to_be_focused()
    expect(page.get_by_role("button", name="Unsubscribe", exact=True)).to_be_disabled()
    assert_page_is_fine(page, f"{screen}: Unsubscribe reason")

    radio = page.get_by_label("It costs more than I can afford right now")
    box = radio.bounding_box()
    assert box["width"] >= 18 and box["height"] >= 18  # radio buttons keep their size beside long labels
    radio.check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(heading).to_have_text("You are about to unsubscribe")
    expect(heading).to_be_focused()
    expect(page.get_by_role("button", name="Complete Cancellation")).to_be_visible()
    assert_page_is_fine(page, f"{screen}: Unsubscribe warning")

    page.get_by_role("button", name="Stay Enrolled").click()
    expect(page.get_by_role("status")).to_contain_text("You are still enrolled")
    expect(page.get_by_role("heading", level=1, name="My Account")).to_be_focused()
    context.close()


def test_focus_ring_stands_out_from_its_background(browser, browser_site, everything):
    context = new_context(browser, browser_site, SCREENS["desktop"], user=everything.user)
    page = context.new_page()
    page.goto(reverse("deletion:delete"))
    seen = set()
    # Tab through the header and the page: every focused control has a ring of at least 3:1.
    for _ in range(25):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_COLOURS_JS)
        if info["tag"] == "BODY":
            continue
        assert info["styleName"] != "none" and info["width"] >= 2, info
        ratio = contrast_ratio(tuple(info["outline"]), tuple(info["background"]))
        assert ratio >= 3, info
        seen.add(info["tag"])
    assert {"A", "BUTTON"} <= seen
    context.close()


def test_the_audit_itself_catches_problems(browser, browser_site):
    """The checks above can fail: an unlabelled image and a too-wide block are reported."""
    context = new_context(browser, browser_site, SCREENS["phone"])
    page = context.new_page()
    page.goto(reverse("accounts:login"))
    page.evaluate(
        """() => { const m = document.querySelector('main');
                   m.insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg">'
                     + '<div style="width:800px">wide</div>'); }"""
    )
    assert any(line.startswith("image-alt") for line in blocking_violations(page))
    assert sideways_overflow(page) > 0
    context.close()
