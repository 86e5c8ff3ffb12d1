from django.db import migrations

# The fixed list shown on the first Unsubscribe step, in order. Codes are stable: the report groups by them.
REASONS = [
    ("too_expensive", "It costs more than I can afford right now", "too_expensive", False),
    ("not_using", "I don't use enough visits to need it", "unused", False),
    ("released_or_moved", "My loved one was released or moved to another facility", "other", False),
    ("quality", "Video or sound problems during visits", "low_quality", False),
    ("scheduling", "Visits are hard to schedule at the times I need", "too_complex", False),
    ("pay_per_visit", "I'd rather pay for each visit", "switched_service", False),
    ("support", "I had a problem with customer care", "customer_service", False),
    ("other", "Other", "other", True),
]


def add_reasons(apps, schema_editor):
    Reason = apps.get_model("video", "UnsubscribeReason")
    for position, (code, label, feedback, needs_text) in enumerate(REASONS, start=1):
        Reason.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "stripe_feedback": feedback,
                "needs_text": needs_text,
                "position": position,
            },
        )


def remove_reasons(apps, schema_editor):
    Reason = apps.get_model("video", "UnsubscribeReason")
    Reason.objects.filter(code__in=[r[0] for r in REASONS], answers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("video", "0002_reason_feedback_and_report")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
