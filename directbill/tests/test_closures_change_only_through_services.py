"""A Direct Bill closure cannot be edited by hand in the admin (for superusers neither), so the closing job
never skips a held account's charges; operations can end a hold early, through the service, with an
audit row naming who and why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.roles import OPERATIONS, SUPPORT_AGENT
from directbill.models import ClosureRequest
from directbill.services import close_due_accounts
from tests.care_helpers import staff_in
from tests.factories import ChargeFactory, ClosureRequestFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def _change_url(closure):
    return reverse("admin:directbill_closurerequest_change", args=[closure.pk])


@pytest.mark.parametrize("who", ["superuser", OPERATIONS])
def test_nobody_edits_a_closure_in_the_admin(client, who):
    user = StaffUserFactory(is_superuser=True) if who == "superuser" else staff_in(OPERATIONS)
    client.force_login(user)
    closure = ClosureRequestFactory()
    before = (closure.status, closure.close_after, closure.close_by)
    today = timezone.localdate()
    response = client.post(
        _change_url(closure),
        {
            "directbill_account": closure.directbill_account_id,
            "status": "closed",
            "close_after": today.isoformat(),
            "close_by": today.isoformat(),
            "requested_at_0": today.isoformat(),
            "requested_at_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    closure.refresh_from_db()
    assert (closure.status, closure.close_after, closure.close_by) == before
    assert client.get(_change_url(closure)).status_code == 200  # still readable


def test_operations_end_a_hold_early_with_an_audit_row_and_the_job_bills_every_charge(client):
    ops = staff_in(OPERATIONS)
    client.force_login(ops)
    closure = ClosureRequestFactory()
    charge = ChargeFactory(directbill_account=closure.directbill_account, amount_cents=310)
    changelist = reverse("admin:directbill_closurerequest_changelist")
    asked = client.post(changelist, {"action": "end_hold_early", "_selected_action": [closure.pk]})
    assert asked.status_code == 200 and "Why the hold ends early" in asked.content.decode()
    closure.refresh_from_db()
    assert closure.close_after > timezone.localdate()  # nothing changes before the reason is given

    done = client.post(
        changelist,
        {"action": "end_hold_early", "_selected_action": [closure.pk], "apply": "1", "reason": "TICKET-9"},
    )
    assert done.status_code == 302
    closure.refresh_from_db()
    assert closure.close_after == timezone.localdate()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CLOSURE_HOLD_ENDED)
    assert event.actor == ops and event.details["reason"] == "TICKET-9"
    assert event.channel == "admin"

    assert close_due_accounts() == [closure.pk]
    charge.refresh_from_db()
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.CLOSED
    assert closure.final_statement.total_cents == 310 and charge.statement_id == closure.final_statement_id


def test_support_agents_cannot_end_a_hold(client):
    client.force_login(staff_in(SUPPORT_AGENT))
    closure = ClosureRequestFactory()
    response = client.post(
        reverse("admin:directbill_closurerequest_changelist"),
        {"action": "end_hold_early", "_selected_action": [closure.pk], "apply": "1", "reason": "x"},
    )
    closure.refresh_from_db()
    assert closure.close_after == timezone.localdate() + timedelta(days=7)
    assert not AuditEvent.objects.exists()
    assert response.status_code in (200, 302)
