import secrets

from django.db import migrations, models

import accounts.models


def fill_keys(apps, schema_editor):
    AccountDeletion = apps.get_model("accounts", "AccountDeletion")
    for deletion in AccountDeletion.objects.filter(tracking_key__isnull=True).only("pk"):
        AccountDeletion.objects.filter(pk=deletion.pk).update(tracking_key=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_deletion_contact_retention")]

    operations = [
        migrations.AddField(
            model_name="accountdeletion",
            name="tracking_key",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accountdeletion",
            name="tracking_key",
            field=models.CharField(
                default=accounts.models.new_tracking_key, editable=False, max_length=64, unique=True
            ),
        ),
    ]
