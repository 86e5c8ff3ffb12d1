import json

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from securus.schedule import BEAT_SCHEDULE


class Command(BaseCommand):
    help = "Create or update the periodic jobs of securus/schedule.py in the beat database (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, entry in BEAT_SCHEDULE.items():
            cron = entry["schedule"]
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=cron._orig_minute,
                hour=cron._orig_hour,
                day_of_week=cron._orig_day_of_week,
                day_of_month=cron._orig_day_of_month,
                month_of_year=cron._orig_month_of_year,
                timezone=str(cron.tz) if getattr(cron, "tz", None) else "America/Chicago",
            )
            _, created = PeriodicTask.objects.update_or_create(
                name=name,
                defaults={
                    "task": entry["task"],
                    "crontab": schedule,
                    "interval": None,
                    "kwargs": json.dumps(entry.get("kwargs", {})),
                    "description": entry.get("description", ""),
                },
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
