"""The default dormancy rule (every state without its own); to be confirmed with counsel per state."""

import datetime

from django.db import migrations

SOURCE = (
    "Common state practice for uncashed checks and credit balances (Revised Uniform Unclaimed Property "
    "Act): 3 years; owner letter 60-120 days before the report for $50 or more. To confirm with counsel."
)


def add(apps, schema_editor):
    Rule = apps.get_model("unclaimed", "DormancyRule")
    Rule.objects.get_or_create(
        state="",
        effective_from=datetime.date(2020, 1, 1),
        defaults={
            "dormancy_years": 3,
            "report_month": 11,
            "report_day": 1,
            "letter_min_cents": 5000,
            "letter_days_before_max": 120,
            "letter_days_before_min": 60,
            "source": SOURCE,
        },
    )


def remove(apps, schema_editor):
    apps.get_model("unclaimed", "DormancyRule").objects.filter(
        state="", effective_from=datetime.date(2020, 1, 1)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("unclaimed", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
