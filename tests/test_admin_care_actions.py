"""Every care and operations action goes through its service and writes exactly one audit row naming the
person, the channel and the call reference; the admin pages are thin callers of those services."""

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import Address, retired_email_digest
from audit.models import AuditEvent
from audit.roles import OPERATIONS, SUPPORT_AGENT
from deletion.models import AccountDeletion
from refunds.models import Check, Refund
from tests import factories
from tests.care_helpers import NOW, caller_account, staff_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent_client(client):
    agent = staff_in(SUPPORT_AGENT)
    client.force_login(agent)
    client.agent = agent
    return client


@pytest.fixture
def ops_client(client):
    ops = staff_in(OPERATIONS)
    client.force_login(ops)
    client.ops = ops
    return client


def _only_event(action):
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, events
    return events[0]


def test_account_page_shows_services_and_the_family_preview(agent_client):
    account = caller_account()
    page = agent_client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="deletion-preview"' in html and 'data-service="prepaid"' in html
    assert "$23.80" in html  # 25.00 less the 1.20 call of the last 24 hours, as the family is shown
    assert "Visa ending in 4242" in html
    assert "fp_" not in html and "ch_test_" not in html  # no fingerprint, no Stripe charge id
    assert "Delete on the caller" in html


def test_delete_on_behalf_needs_a_call_reference_then_deletes_as_phone_with_the_agent(
    agent_client, django_capture_on_commit_callbacks
):
    account = caller_account()
    url = reverse("admin:accounts_account_care_delete", args=[account.pk])
    page = agent_client.get(url)
    assert page.status_code == 200 and 'data-testid="deletion-preview"' in page.content.decode()
    fingerprint = page.context["form"].initial["fingerprint"]

    refused = agent_client.post(
        url, {"fingerprint": fingerprint, "caller_confirmed": "on", "call_reference": ""}
    )
    assert refused.status_code == 200 and not AccountDeletion.objects.exists()
    assert not AuditEvent.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = agent_client.post(
            url, {"fingerprint": fingerprint, "caller_confirmed": "on", "call_reference": "CALL-77120"}
        )
    assert done.status_code == 302
    deletion = AccountDeletion.objects.get(account=account)
    assert (deletion.channel, deletion.actor, deletion.call_reference) == (
        "phone",
        agent_client.agent,
        "CALL-77120",
    )
    event = _only_event(AuditEvent.Action.ACCOUNT_DELETED)
    assert (event.actor, event.channel, event.call_reference, event.account_id) == (
        agent_client.agent,
        "phone",
        "CALL-77120",
        account.pk,
    )
    assert [m.to for m in mail.outbox] == [["ana.diaz@example.com"]]  # the receipt, as for a web deletion

    # Posting again (double click) deletes nothing more and writes no second row.
    agent_client.post(
        url, {"fingerprint": fingerprint, "caller_confirmed": "on", "call_reference": "CALL-77120"}
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DELETED).count() == 1


def test_delete_on_behalf_refuses_a_stale_preview(agent_client):
    account = caller_account()
    url = reverse("admin:accounts_account_care_delete", args=[account.pk])
    response = agent_client.post(
        url, {"fingerprint": "stale", "caller_confirmed": "on", "call_reference": "CALL-1"}
    )
    assert response.status_code == 200
    assert not AccountDeletion.objects.exists() and not AuditEvent.objects.exists()


def test_web_deletion_writes_its_audit_row_too():
    from deletion.services import delete_account

    account = caller_account()
    delete_account(account, actor=account.user, channel="web")
    event = _only_event(AuditEvent.Action.ACCOUNT_DELETED)
    assert (event.channel, event.actor_label, event.call_reference) == ("web", "account holder", "")


def test_update_address_normalises_and_audits_changed_fields_only(agent_client):
    account = caller_account()
    url = reverse("admin:accounts_account_care_address", args=[account.pk])
    response = agent_client.post(
        url,
        {
            "update-line1": "40 Elm Street",
            "update-line2": "",
            "update-city": "Fort Worth",
            "update-state": "texas",
            "update-zip_code": "76102",
            "update-call_reference": "CALL-9",
        },
    )
    assert response.status_code == 302
    address = Address.objects.get(account=account)
    assert (address.line1, address.city, address.state, address.verified_at) == (
        "40 ELM ST",
        "FORT WORTH",
        "TX",
        None,
    )
    event = _only_event(AuditEvent.Action.ADDRESS_UPDATED)
    assert event.details == {"changed": ["line1", "city", "zip_code"], "verified_with_caller": False}
    assert "ELM" not in str(event.details)  # the address itself never enters the permanent trail


def test_invalid_address_shows_errors_and_writes_nothing(agent_client):
    account = caller_account()
    url = reverse("admin:accounts_account_care_address", args=[account.pk])
    response = agent_client.post(
        url,
        {
            "update-line1": "1 Main St",
            "update-city": "Dallas",
            "update-state": "ZZ",
            "update-zip_code": "7520",
            "update-call_reference": "C",
        },
    )
    assert response.status_code == 200 and response.context["update_form"].errors
    assert not AuditEvent.objects.exists()


def test_verify_address_with_the_caller(agent_client):
    account = caller_account()
    Address.objects.filter(account=account).update(verified_at=None)
    shown = str(Address.objects.get(account=account))
    url = reverse("admin:accounts_account_care_address", args=[account.pk])
    response = agent_client.post(url, {"verify-shown": shown, "verify-call_reference": "CALL-3"})
    assert response.status_code == 302
    assert Address.objects.get(account=account).verified_at is not None
    assert _only_event(AuditEvent.Action.ADDRESS_VERIFIED).call_reference == "CALL-3"


def test_resend_tracking_link_to_the_kept_email_or_a_given_one(agent_client):
    from deletion.services import delete_account

    account = caller_account()
    deletion = delete_account(account, actor=account.user, channel="web")
    url = reverse("admin:accounts_account_care_tracking", args=[account.pk])
    response = agent_client.post(url, {"call_reference": "CALL-5", "to_email": ""})
    assert response.status_code == 302
    event = _only_event(AuditEvent.Action.TRACKING_LINK_SENT)
    assert (event.object_id, event.details) == (
        str(deletion.pk),
        {
            "to_contact_email": True,
            "sent_to": "a***@example.com",
            "sent_to_digest": retired_email_digest("Ana.Diaz@example.com"),
        },
    )


def test_resend_tracking_link_email_has_the_signed_link(agent_client, django_capture_on_commit_callbacks):
    from care import services as care
    from deletion.services import delete_account
    from refunds.tracking import tracking_path

    account = caller_account()
    deletion = delete_account(account, actor=account.user, channel="web")
    with django_capture_on_commit_callbacks(execute=True):
        sent_to = care.resend_tracking_link(
            deletion=deletion, actor=agent_client.agent, call_reference="CALL-6", to_email="new@example.org"
        )
    assert sent_to == "new@example.org"
    assert mail.outbox[-1].to == ["new@example.org"]
    # The trail records where the link went, without keeping the address itself.
    event = _only_event(AuditEvent.Action.TRACKING_LINK_SENT)
    assert event.details["sent_to"] == "n***@example.org" and not event.details["to_contact_email"]
    assert event.details["sent_to_digest"] == retired_email_digest("new@example.org")
    assert tracking_path(deletion.pk) in mail.outbox[-1].body


def _mailed_check():
    refund = factories.RefundFactory(status=Refund.Status.CHECK_MAILED)
    return factories.CheckFactory(refund=refund, status=Check.Status.MAILED, check_number=100777)


def test_mark_returned_then_reissue_to_a_new_address(ops_client):
    check = _mailed_check()
    returned = ops_client.post(
        reverse("admin:refunds_check_care_returned", args=[check.pk]), {"note": "Moved, left no address"}
    )
    assert returned.status_code == 302
    check.refresh_from_db()
    assert check.status == Check.Status.RETURNED and check.refund.status == Refund.Status.CHECK_RETURNED
    assert _only_event(AuditEvent.Action.CHECK_RETURNED).actor == ops_client.ops

    reissued = ops_client.post(
        reverse("admin:refunds_check_care_reissue", args=[check.pk]),
        {
            "line1": "9 Pine Road",
            "city": "Austin",
            "state": "TX",
            "zip_code": "78701",
            "call_reference": "CALL-8",
        },
    )
    assert reissued.status_code == 302
    new = Check.objects.get(reissue_of=check)
    assert (new.status, new.line1, new.city, new.amount_cents, new.payee) == (
        Check.Status.QUEUED,
        "9 PINE RD",
        "AUSTIN",
        check.amount_cents,
        check.payee,
    )
    old_refund = Refund.objects.get(pk=check.refund_id)
    assert old_refund.status == Refund.Status.REPLACED and old_refund.replaced_by_id == new.refund_id
    event = _only_event(AuditEvent.Action.CHECK_REISSUED)
    assert (event.call_reference, event.details["new_check_id"]) == ("CALL-8", new.pk)

    # Reissuing again returns the same new check and writes nothing.
    ops_client.post(reverse("admin:refunds_check_care_reissue", args=[check.pk]), {})
    assert Check.objects.filter(reissue_of=check).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHECK_REISSUED).count() == 1


def test_correct_the_address_of_a_check_not_yet_printed(ops_client):
    check = factories.CheckFactory(line1="", city="", zip_code="")  # queued, held back: no address
    response = ops_client.post(
        reverse("admin:refunds_check_care_address", args=[check.pk]),
        {"line1": "5 Cedar Ave", "city": "Plano", "state": "TX", "zip_code": "75074"},
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.line1, check.city) == ("5 CEDAR AVE", "PLANO")
    assert _only_event(AuditEvent.Action.CHECK_ADDRESS_UPDATED).details == {
        "changed": ["line1", "city", "zip_code"]
    }


def test_check_actions_refuse_the_wrong_state_without_an_audit_row(ops_client):
    queued = factories.CheckFactory()
    ops_client.post(reverse("admin:refunds_check_care_returned", args=[queued.pk]), {})
    ops_client.post(reverse("admin:refunds_check_care_reissue", args=[queued.pk]), {})
    mailed = _mailed_check()
    ops_client.post(
        reverse("admin:refunds_check_care_address", args=[mailed.pk]),
        {"line1": "5 Cedar Ave", "city": "Plano", "state": "TX", "zip_code": "75074"},
    )
    assert Check.objects.get(pk=queued.pk).status == Check.Status.QUEUED
    assert Check.objects.get(pk=mailed.pk).line1 == "12 OAK ST"
    assert not AuditEvent.objects.exists()


def test_deleted_account_page_shows_closures_refunds_and_who_deleted_it(agent_client):
    from care import services as care

    account = caller_account()
    care.delete_on_behalf(account=account, actor=agent_client.agent, call_reference="CALL-42")
    page = agent_client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="deletion-preview"' not in html  # nothing left to preview
    assert "AdvanceConnect" in html and "CALL-42" in html and agent_client.agent.email in html
    assert "Resend refund tracking link" in html and "Delete on the caller" not in html


def test_delete_on_behalf_waits_for_a_verified_address_when_a_check_is_owed(agent_client):
    from care import services as care

    account = caller_account()
    factories.PaymentFactory(prepaid_account=account.prepaid, method="western_union", amount_cents=500)
    Address.objects.filter(account=account).update(verified_at=None)
    page = agent_client.get(reverse("admin:accounts_account_care_delete", args=[account.pk]))
    assert "Verify the mailing address with the caller first" in page.content.decode()
    with pytest.raises(care.CareError) as refused:
        care.delete_on_behalf(account=account, actor=agent_client.agent, call_reference="CALL-1")
    assert refused.value.code == "address_unverified"
    assert not AuditEvent.objects.exists()
