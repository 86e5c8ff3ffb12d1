"""The admin shows each account's inactivity (clock, notice, refund) and lets an agent record, with a
call reference, that the holder asked to keep the account."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.roles import MARKETING, SUPPORT_AGENT
from inactivity.models import KeepRequest
from inactivity.sweep import sweep
from tests.care_helpers import staff_in

from .helpers import inactive_prepaid

pytestmark = pytest.mark.django_db


@pytest.fixture
def noticed():
    prepaid = inactive_prepaid(days=170, cents=4200)
    prepaid.account.user.last_login = None
    prepaid.account.user.save()
    sweep(now=timezone.now())
    return prepaid


def test_the_list_and_page_show_the_clock_and_the_notice(client, noticed):
    client.force_login(staff_in(SUPPORT_AGENT))
    listing = client.get(reverse("admin:inactivity_inactivebalance_changelist")).content.decode()
    days = (timezone.now() - noticed.opened_at).days
    assert noticed.account.user.email in listing and "$42.00" in listing
    assert f'<td class="field-days_inactive">{days}</td>' in listing
    action_on = (timezone.now() + timedelta(days=30)).date()
    assert f"action {action_on:%Y-%m-%d}" in listing
    page = client.get(reverse("admin:inactivity_inactivebalance_change", args=[noticed.pk])).content.decode()
    assert "Inactivity clock" in page and "Visa ending in 4242" in page
    assert "The holder asked to keep the account" in page


def test_an_agent_records_keep_with_a_call_reference(client, noticed):
    agent = staff_in(SUPPORT_AGENT)
    client.force_login(agent)
    url = reverse("admin:inactivity_inactivebalance_keep", args=[noticed.pk])
    refused = client.post(url, {"call_reference": "", "holder_asked": "on"})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert not KeepRequest.objects.exists()

    done = client.post(url, {"call_reference": "CALL-9", "holder_asked": "on"})
    assert done.status_code == 302
    keep = KeepRequest.objects.get()
    assert (keep.channel, keep.actor, keep.call_reference) == ("phone", agent, "CALL-9")
    event = AuditEvent.objects.get(action="inactivity_keep")
    assert (event.actor, event.account, event.channel) == (agent, noticed.account, "phone")
    # The clock restarted: thirty days on, nothing is refunded.
    assert sweep(now=timezone.now() + timedelta(days=31)) == []


def test_roles_without_the_permission_cannot_record_keep(client, noticed):
    client.force_login(staff_in(MARKETING))
    url = reverse("admin:inactivity_inactivebalance_keep", args=[noticed.pk])
    assert client.post(url, {"call_reference": "X", "holder_asked": "on"}).status_code == 403
    assert not KeepRequest.objects.exists()
