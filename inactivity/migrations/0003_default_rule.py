"""The default inactivity rule (every state without its own): 180 days, notice 30 days before."""

import datetime

from django.db import migrations

SOURCE = (
    "180 days: 47 CFR 64.6130 (FCC incarcerated people's communications services, in force 2024-11-19); "
    "30-day notice: industry practice (ViaPath gives 30 days' notice)."
)


def add(apps, schema_editor):
    Rule = apps.get_model("inactivity", "InactivityRule")
    Rule.objects.get_or_create(
        state="",
        effective_from=datetime.date(2024, 11, 19),
        defaults={"inactivity_days": 180, "notice_days": 30, "source": SOURCE},
    )


def remove(apps, schema_editor):
    apps.get_model("inactivity", "InactivityRule").objects.filter(
        state="", effective_from=datetime.date(2024, 11, 19)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("inactivity", "0002_initial")]
    operations = [migrations.RunPython(add, remove)]
