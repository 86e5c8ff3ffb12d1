"""The inactivity clock is the latest of opening, payment, call, sign-in and "keep my account"; each one
restarts it, and the sweep's notice point moves with it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from inactivity.clock import with_clock
from inactivity.keep import KeepError, keep_account, keep_token
from inactivity.models import KeepRequest
from prepaid.models import PrepaidAccount
from tests.factories import CallFactory, PaymentFactory, StaffUserFactory

from .helpers import NOW, actions_at, days_ago, inactive_prepaid

pytestmark = pytest.mark.django_db


def clock(prepaid):
    return with_clock(PrepaidAccount.objects.filter(pk=prepaid.pk)).get().last_activity_at


def test_clock_is_the_oldest_activity_when_nothing_happened_since():
    prepaid = inactive_prepaid(days=200)
    assert clock(prepaid) == days_ago(200)
    assert actions_at(NOW) == [(prepaid.account.user.email, "noticed")]


def test_a_payment_restarts_the_clock():
    prepaid = inactive_prepaid(days=200)
    PaymentFactory(prepaid_account=prepaid, created_at=days_ago(10), method="western_union", amount_cents=500)
    assert clock(prepaid) == days_ago(10)
    assert actions_at(NOW) == []


def test_a_call_restarts_the_clock_posted_or_not():
    prepaid = inactive_prepaid(days=200)
    CallFactory(prepaid_account=prepaid, started_at=days_ago(40), posted=False)
    assert clock(prepaid) == days_ago(40)
    CallFactory(prepaid_account=prepaid, started_at=days_ago(5), posted=True)
    assert clock(prepaid) == days_ago(5)
    assert actions_at(NOW) == []


def test_signing_in_restarts_the_clock(client):
    prepaid = inactive_prepaid(days=200)
    user = prepaid.account.user
    assert client.login(username=user.email, password="Test-pass-2026")
    user.refresh_from_db()
    assert clock(prepaid) == user.last_login > days_ago(1, now=user.last_login)
    assert actions_at(NOW) == []


def test_the_keep_link_restarts_the_clock_only_when_its_button_is_pressed(client):
    prepaid = inactive_prepaid(days=200)
    url = reverse("inactivity:keep", args=[keep_token(prepaid.pk)])
    page = client.get(url)
    assert page.status_code == 200 and b"Keep my account" in page.content
    assert not KeepRequest.objects.exists()  # a mail scanner opening the link changes nothing

    response = client.post(url)
    assert b"stays open" in response.content
    keep = KeepRequest.objects.get()
    assert (keep.channel, keep.prepaid_account_id) == ("email", prepaid.pk)
    assert clock(prepaid) == keep.at
    assert actions_at(keep.at + timedelta(days=149)) == []
    assert actions_at(keep.at + timedelta(days=150)) == [(prepaid.account.user.email, "noticed")]


def test_a_forged_keep_link_is_refused(client):
    prepaid = inactive_prepaid(days=200)
    token = keep_token(prepaid.pk)
    assert client.post(reverse("inactivity:keep", args=[token[:-2] + "xx"])).status_code == 404
    assert not KeepRequest.objects.exists()


def test_an_agent_records_keep_on_a_call_with_an_audit_row():
    prepaid = inactive_prepaid(days=200)
    agent = StaffUserFactory()
    with pytest.raises(KeepError, match="call reference"):
        keep_account(prepaid=prepaid, channel="phone", actor=agent, call_reference=" ", now=NOW)
    assert not KeepRequest.objects.exists()

    keep = keep_account(prepaid=prepaid, channel="phone", actor=agent, call_reference="CALL-77", now=NOW)
    assert clock(prepaid) == NOW
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.call_reference, event.account) == (
        "inactivity_keep",
        agent,
        "CALL-77",
        prepaid.account,
    )
    assert event.details == {"keep_request_id": keep.pk}


def test_keep_is_refused_once_the_account_is_closed():
    prepaid = inactive_prepaid(days=200)
    PrepaidAccount.objects.filter(pk=prepaid.pk).update(status="closed", closed_at=NOW)
    with pytest.raises(KeepError, match="already closed"):
        keep_account(prepaid=prepaid, channel="email", now=NOW)
