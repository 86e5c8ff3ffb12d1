import unicodedata

from django.db import migrations, models


def forwards(apps, schema_editor):
    # Digests written before versioning were made with the first key (RETIRED_EMAIL_KEY, or SECRET_KEY
    # when it was unset): they become version 1. Set RETIRED_EMAIL_KEY to that value when upgrading.
    RetiredEmail = apps.get_model("accounts", "RetiredEmail")
    for retired in RetiredEmail.objects.exclude(digest__startswith="v"):
        RetiredEmail.objects.filter(pk=retired.pk).update(digest=f"v1:{retired.digest}")
    # Emails are stored in their canonical form (accounts.models.canonical_email).
    User = apps.get_model("accounts", "User")
    for user in User.objects.all().only("pk", "email"):
        canonical = unicodedata.normalize("NFKC", user.email).casefold().strip()
        if canonical != user.email:
            User.objects.filter(pk=user.pk).update(email=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_deletion_moved"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="retiredemail",
            name="digest",
            field=models.CharField(max_length=80, unique=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(fields=("email",), name="user_email_uniq"),
        ),
    ]
