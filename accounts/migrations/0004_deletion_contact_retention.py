from django.db import migrations, models

# Refund statuses after which nothing more happens to the money (refunds.cards.FINAL_STATUSES).
FINAL = ["succeeded", "replaced", "check_mailed", "check_voided", "check_returned"]


def existing_deletions(apps, schema_editor):
    """Deletions made before the contact email had holders: name what still needs it, erase it where
    nothing does, and date the settlement of refunds that are all final (the tracking link's year)."""
    AccountDeletion = apps.get_model("accounts", "AccountDeletion")
    Refund = apps.get_model("refunds", "Refund")
    ClosureRequest = apps.get_model("directbill", "ClosureRequest")
    for deletion in AccountDeletion.objects.all():
        refunds = Refund.objects.filter(deletion_id=deletion.pk)
        open_refunds = refunds.exclude(status__in=FINAL).exists()
        held = ClosureRequest.objects.filter(deletion_id=deletion.pk, status="held").exists()
        kept_for = ["refunds"] * open_refunds + ["directbill"] * held
        AccountDeletion.objects.filter(pk=deletion.pk).update(
            contact_kept_for=kept_for,
            contact_email=deletion.contact_email if kept_for else "",
            refunds_settled_at=None if open_refunds else deletion.created_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_canonical_email_versioned_digest"),
        ("refunds", "0002_check_void_run"),
        ("directbill", "0001_initial"),
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
        migrations.RunPython(existing_deletions, migrations.RunPython.noop),
    ]
