"""AccountDeletion and ServiceClosure move here from accounts/. Their tables keep their names and rows:
this migration only tells Django's state where the models now live (accounts 0003 removes them there)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AccountDeletion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("channel", models.CharField(choices=[("web", "Website"), ("app", "Mobile app"), ("phone", "Customer care (phone)")], max_length=10)),
                        ("actor_label", models.CharField(blank=True, help_text="Who acted, kept after the user goes.", max_length=254)),
                        ("call_reference", models.CharField(blank=True, max_length=64)),
                        ("holder_name", models.CharField(blank=True, help_text="Payee name for checks still owed.", max_length=150)),
                        ("contact_email", models.EmailField(blank=True, help_text="Kept only while a refund is in progress, for its status emails.", max_length=254)),
                        ("mailing_address", models.JSONField(blank=True, default=dict, help_text="Address snapshot kept only while a refund may still become a mailed check.")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("account", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="deletion", to="accounts.account")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "accounts_accountdeletion",
                        "indexes": [models.Index(fields=["-created_at"], name="deletion_created_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="ServiceClosure",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("service", models.CharField(choices=[("prepaid", "AdvanceConnect"), ("directbill", "Direct Bill"), ("debit", "Securus Debit"), ("messaging", "eMessaging"), ("video", "VideoConnect")], max_length=12)),
                        ("outcome", models.JSONField(default=dict)),
                        ("closed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("deletion", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="closures", to="deletion.accountdeletion")),
                    ],
                    options={
                        "db_table": "accounts_serviceclosure",
                        "constraints": [models.UniqueConstraint(fields=("deletion", "service"), name="closure_one_per_service")],
                    },
                ),
            ],
        ),
    ]
