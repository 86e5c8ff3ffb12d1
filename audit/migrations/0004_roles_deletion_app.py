"""The roles again, now that deletions and service closures are the deletion app's models."""

from django.db import migrations

from audit.roles import create_all_permissions, sync_roles


def forwards(apps, schema_editor):
    create_all_permissions(apps)
    # Lenient: permissions of apps migrated later (inactivity, unclaimed) are synced by 0006.
    sync_roles(
        Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_roles"),
        ("accounts", "0003_deletion_moved"),
        ("deletion", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
