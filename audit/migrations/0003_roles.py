"""Creates the Support agent, Operations and Marketing groups (see audit/roles.py)."""

from django.db import migrations

from audit.roles import ROLE_PERMISSIONS, create_all_permissions, sync_roles


def forwards(apps, schema_editor):
    create_all_permissions(apps)
    # Lenient: on a fresh database the deletion app's models may not be in the state yet; 0004 syncs again.
    sync_roles(
        Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"), strict=False
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("prepaid", "0002_initial"),
        ("directbill", "0001_initial"),
        ("debit", "0001_initial"),
        ("messaging", "0001_initial"),
        ("video", "0003_unsubscribe_reasons"),
        ("refunds", "0002_check_void_run"),
        ("facilities", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
