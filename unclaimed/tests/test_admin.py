"""Operations answer an owner from the item's admin page: a new check, audited; other roles cannot."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.roles import OPERATIONS, SUPPORT_AGENT
from inactivity.sweep import sweep
from inactivity.tests.helpers import NOW, inactive_prepaid
from refunds.models import Check
from tests.care_helpers import staff_in
from unclaimed.models import UnclaimedItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_item():
    inactive_prepaid(days=200, cents=6400, method="moneygram", address=False)
    sweep(now=NOW)
    sweep(now=NOW + timedelta(days=30))
    return UnclaimedItem.objects.get()


def test_operations_send_a_check_to_the_address_the_owner_gives(client, held_item):
    user = staff_in(OPERATIONS)
    client.force_login(user)
    page = client.get(reverse("admin:unclaimed_unclaimeditem_change", args=[held_item.pk])).content.decode()
    assert "The owner answered: send a check" in page
    url = reverse("admin:unclaimed_unclaimeditem_claim", args=[held_item.pk])
    bad = client.post(
        url,
        {"owner_confirmed": "on", "line1": "5 Main St", "city": "Tulsa", "state": "XX", "zip_code": "74103"},
    )
    assert bad.status_code == 200 and not Check.objects.exists()
    done = client.post(
        url,
        {
            "owner_confirmed": "on",
            "call_reference": "C-1",
            "line1": "5 Main St",
            "city": "Tulsa",
            "state": "OK",
            "zip_code": "74103",
        },
    )
    assert done.status_code == 302
    check = Check.objects.get()
    assert (check.amount_cents, check.city) == (6400, "TULSA")
    event = AuditEvent.objects.get(action="unclaimed_claimed")
    assert (event.actor, event.call_reference, event.channel) == (user, "C-1", "phone")


def test_support_agents_see_items_but_cannot_send_checks(client, held_item):
    client.force_login(staff_in(SUPPORT_AGENT))
    assert client.get(reverse("admin:unclaimed_unclaimeditem_changelist")).status_code == 200
    url = reverse("admin:unclaimed_unclaimeditem_claim", args=[held_item.pk])
    assert (
        client.post(
            url,
            {
                "owner_confirmed": "on",
                "line1": "5 Main St",
                "city": "Tulsa",
                "state": "OK",
                "zip_code": "74103",
            },
        ).status_code
        == 403
    )
    assert not Check.objects.exists()
