"""AccountDeletion and ServiceClosure now live in the deletion app (deletion 0001). Tables and rows stay;
Django's state forgets them here, and their content types (with permissions, group grants and admin
history) move to the new app label."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("accountdeletion", "serviceclosure")


def _relabel(apps, *, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        stale = ContentType.objects.filter(app_label=old, model=model).first()
        if stale is None:
            continue
        if ContentType.objects.filter(app_label=new, model=model).exists():
            stale.delete()  # a fresh database made both while migrating: keep the new one
        else:
            stale.app_label = new
            stale.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _relabel(apps, old="accounts", new="deletion")


def backwards(apps, schema_editor):
    _relabel(apps, old="deletion", new="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_search_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("deletion", "0001_initial"),
        ("refunds", "0003_deletion_moved"),
        ("directbill", "0002_deletion_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="retiredemail",
                    name="deletion",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="retired_emails", to="deletion.accountdeletion"),
                ),
                migrations.DeleteModel(name="ServiceClosure"),
                migrations.DeleteModel(name="AccountDeletion"),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
