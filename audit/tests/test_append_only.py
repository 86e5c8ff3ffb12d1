"""The audit trail cannot be changed or deleted: not through the model, the queryset, raw SQL or the admin
(superusers included)."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    account = factories.AccountFactory()
    return record(
        actor=account.user,
        action=AuditEvent.Action.ADDRESS_UPDATED,
        obj=account,
        channel="phone",
        call_reference="CALL-1",
        account=account,
        details={"changed": ["zip_code"]},
    )


def test_record_names_who_what_channel_reference_and_object(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_label == "account holder"  # a family member: never their email
    assert (stored.action, stored.channel, stored.call_reference) == ("address_updated", "phone", "CALL-1")
    assert (stored.object_type, stored.object_id) == ("accounts.account", str(stored.account_id))


def test_model_and_queryset_refuse_change_and_delete(event):
    event.call_reference = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(call_reference="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).call_reference == "CALL-1"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET call_reference = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_database_trigger_refuses_raw_sql(event, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).call_reference == "CALL-1"


def test_superuser_admin_can_read_but_not_change_or_delete(admin_client, event):
    assert admin_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert admin_client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:audit_auditevent_changelist"))
    assert "delete_selected" not in changelist.content.decode()
