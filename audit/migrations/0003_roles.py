"""Creates the Support agent, Operations and Marketing groups (see audit/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from audit.roles import ROLE_PERMISSIONS, sync_roles


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the groups can get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"))


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
