import secrets

from django.db import migrations, models

import deletion.models

# Refund statuses after which nothing more happens to the money (refunds.cards.FINAL_STATUSES).
FINAL = ["succeeded", "replaced", "check_mailed", "check_voided", "check_returned"]


def existing_deletions(apps, schema_editor):
    """Deletions made before the contact email had holders: name what still needs it, erase it where
    nothing does, and date the settlement of refunds that are all final (the tracking link's year)."""
    AccountDeletion = apps.get_model("deletion", "AccountDeletion")
    Refund = apps.get_model("refunds", "Refund")
    ClosureRequest = apps.get_model("directbill", "ClosureRequest")
    for row in AccountDeletion.objects.all():
        open_refunds = Refund.objects.filter(deletion_id=row.pk).exclude(status__in=FINAL).exists()
        held = ClosureRequest.objects.filter(deletion_id=row.pk, status="held").exists()
        kept_for = ["refunds"] * open_refunds + ["directbill"] * held
        AccountDeletion.objects.filter(pk=row.pk).update(
            contact_kept_for=kept_for,
            contact_email=row.contact_email if kept_for else "",
            refunds_settled_at=None if open_refunds else row.created_at,
            tracking_key=secrets.token_urlsafe(32),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deletion", "0001_initial"),
        ("accounts", "0003_deletion_moved"),
        ("refunds", "0003_deletion_moved"),
        ("directbill", "0002_deletion_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountdeletion",
            name="contact_kept_for",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="accountdeletion",
            name="refunds_settled_at",
            field=models.DateTimeField(
                blank=True, help_text="When the last refund reached a final state (or none was owed).", null=True
            ),
        ),
        migrations.AlterField(
            model_name="accountdeletion",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                help_text="Kept only while money still moves (refund status emails, the Direct Bill final statement).",
                max_length=254,
            ),
        ),
        migrations.AddField(
            model_name="accountdeletion",
            name="tracking_key",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(existing_deletions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accountdeletion",
            name="tracking_key",
            field=models.CharField(
                default=deletion.models.new_tracking_key, editable=False, max_length=64, unique=True
            ),
        ),
    ]
