"""A database filled while deletions lived in accounts/ migrates to the deletion app without losing a row:
the same tables, the foreign keys into them, the content types with the grants on them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.roles import create_all_permissions

# Before the deletion app existed: unapplying it unapplies everything that followed it.
OLD_LAYOUT = [("deletion", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of exactly what is applied now (Django's own migration tests read it the same way).
    fresh = MigrationExecutor(connection)
    return fresh._create_project_state(with_applied_migrations=True).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_written_at_the_old_layout_survive_the_move():
    old = _migrate(OLD_LAYOUT)
    try:
        User = old.get_model("accounts", "User")
        Account = old.get_model("accounts", "Account")
        OldDeletion = old.get_model("accounts", "AccountDeletion")
        OldClosure = old.get_model("accounts", "ServiceClosure")
        OldRetired = old.get_model("accounts", "RetiredEmail")
        OldRefund = old.get_model("refunds", "Refund")
        user = User.objects.create(email="ana@example.com", name="Ana Diaz")
        account = Account.objects.create(user=user, name="Ana Diaz", status="deleted")
        deletion = OldDeletion.objects.create(
            account=account,
            channel="web",
            actor=user,
            holder_name="Ana Diaz",
            mailing_address={"city": "Dallas"},
        )
        OldClosure.objects.create(deletion=deletion, service="prepaid", outcome={"refund_cents": 2380})
        OldRetired.objects.create(deletion=deletion, digest="d" * 64)
        refund = OldRefund.objects.create(
            account=account,
            deletion=deletion,
            amount_cents=2380,
            method="check",
            status="check_queued",
            expected_from="2026-12-10",
            expected_to="2026-12-17",
            idempotency_key="refund-old-layout",
        )
        # A role granted the view on deletions, as audit 0003 granted it on an old database (earlier
        # transactional tests may have flushed the groups the data migration wrote: make it here).
        create_all_permissions(old)
        view_deletions = old.get_model("auth", "Permission").objects.get(
            content_type__app_label="accounts", codename="view_accountdeletion"
        )
        role, _ = old.get_model("auth", "Group").objects.get_or_create(name="Support agent")
        role.permissions.add(view_deletions)
    finally:
        new = _migrate(_leaves())
        ContentType.objects.clear_cache()

    Deletion = new.get_model("deletion", "AccountDeletion")
    moved = Deletion.objects.get(pk=deletion.pk)
    assert (moved.account_id, moved.channel, moved.actor_id) == (account.pk, "web", user.pk)
    assert moved.mailing_address == {"city": "Dallas"}
    assert list(moved.closures.values_list("service", "outcome")) == [("prepaid", {"refund_cents": 2380})]
    # Digests written before key versions existed are version 1.
    assert list(moved.retired_emails.values_list("digest", flat=True)) == ["v1:" + "d" * 64]
    assert len(moved.tracking_key) >= 40  # every deletion gets its random tracking key
    assert list(moved.refunds.values_list("pk", flat=True)) == [refund.pk]
    # Permissions followed their models: the same permission row, now under the deletion app, still granted.
    Permission = new.get_model("auth", "Permission")
    assert Permission.objects.get(pk=view_deletions.pk).content_type.app_label == "deletion"
    role = new.get_model("auth", "Group").objects.get(name="Support agent")
    granted = set(role.permissions.values_list("content_type__app_label", "codename"))
    assert {("deletion", "view_accountdeletion"), ("deletion", "view_serviceclosure")} <= granted
    assert not ContentType.objects.filter(
        app_label="accounts", model__in=["accountdeletion", "serviceclosure"]
    )
