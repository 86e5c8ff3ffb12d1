"""Gives the roles their inactivity and unclaimed-property permissions (audit/roles.py)."""

from django.db import migrations

from audit.roles import create_permissions_now, sync_roles


def forwards(apps, schema_editor):
    create_permissions_now(apps)
    sync_roles(Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"), strict=True)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_inactivity_unclaimed_actions"),
        ("inactivity", "0004_inactivebalance"),
        ("unclaimed", "0002_default_rule"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
