"""The roles again, now that the inactivity and unclaimed-property permissions exist (audit/roles.py)."""

from django.db import migrations

from audit.roles import create_all_permissions, sync_roles


def forwards(apps, schema_editor):
    create_all_permissions(apps)
    sync_roles(Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_inactivity_unclaimed_actions"),
        ("inactivity", "0004_inactivebalance"),
        ("unclaimed", "0002_default_rule"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
