"""ClosureRequest.deletion now points at deletion.AccountDeletion: the same table, only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directbill", "0001_initial"),
        ("deletion", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="closurerequest",
                    name="deletion",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="deletion.accountdeletion"),
                ),
            ],
        ),
    ]
