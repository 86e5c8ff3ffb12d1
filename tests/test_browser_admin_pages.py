"""The admin as an agent uses it on a call, on a laptop (1280 px) and a phone (390 px): axe-core finds no
serious or critical problem on the care pages, the search shows the number that matched, there are no
dead buttons, and a deleted account's page still names its holder."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from care.services import delete_on_behalf
from tests.browser_audit import SCREENS, blocking_violations, new_context
from tests.care_helpers import caller_account
from tests.factories import StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def agent_world(browser_site):
    admin = StaffUserFactory(is_superuser=True)
    active = caller_account()
    deleted = caller_account(email="bea.lopez@example.com", name="Bea Lopez")
    deleted.user.refresh_from_db()
    delete_on_behalf(account=deleted, actor=admin, call_reference="CALL-77")
    return admin, active, deleted


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_care_pages_have_no_serious_accessibility_problems(browser, browser_site, agent_world, screen):
    admin, active, deleted = agent_world
    context = new_context(browser, browser_site, SCREENS[screen], user=admin)
    page = context.new_page()
    changelist = reverse("admin:accounts_account_changelist")
    for path in [
        reverse("admin:index"),
        changelist,
        f"{changelist}?q=(214)+555-0101",
        reverse("admin:accounts_account_change", args=[active.pk]),
        reverse("admin:accounts_account_care_delete", args=[active.pk]),
        reverse("admin:accounts_account_care_address", args=[active.pk]),
        reverse("admin:accounts_account_change", args=[deleted.pk]),
        reverse("admin:accounts_account_care_tracking", args=[deleted.pk]),
        reverse("admin:audit_stuckwork_changelist"),
        reverse("admin:video_unsubscribereport_changelist"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        found = blocking_violations(page)
        assert not found, f"{screen}: {path}: " + "; ".join(found)
    context.close()


def test_search_shows_the_number_that_matched_and_no_dead_buttons(browser, browser_site, agent_world):
    admin, active, deleted = agent_world
    context = new_context(browser, browser_site, SCREENS["desktop"], user=admin)
    page = context.new_page()
    page.goto(reverse("admin:accounts_account_changelist"))
    page.get_by_label("Find the caller's account").fill("214.555.0101")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ana Diaz")
    expect(row.locator("td.field-matched_phone")).to_have_text("(214) 555-0101")
    # Nothing here can be deleted in bulk: no action that would only refuse.
    expect(page.locator("select[name=action] option[value=delete_selected]")).to_have_count(0)

    page.goto(reverse("admin:accounts_account_change", args=[active.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Diaz")
    submit = page.locator(".submit-row")
    expect(submit.get_by_role("button", name="Save")).to_have_count(0)
    expect(submit.get_by_role("link", name="Delete")).to_have_count(0)
    expect(page.locator("[data-testid=payments]")).to_contain_text("Card online")
    expect(page.locator("[data-testid=payments]")).not_to_contain_text("card_")

    page.goto(reverse("admin:accounts_account_change", args=[deleted.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bea Lopez (deleted")
    closures = page.get_by_test_id("closures")
    expect(closures).to_contain_text("Your AdvanceConnect prepaid account is closed.")
    expect(closures).to_contain_text("12 unused stamps cannot be refunded.")
    expect(closures).not_to_contain_text("{")  # sentences, not the recorded dict
    context.close()
