"""The one beat schedule. `manage.py setup_schedule` writes it into django-celery-beat (idempotent);
operations can then pause or retime each job in admin. Keys are the names shown there."""

from celery.schedules import crontab  # noqa: F401  (used by the entries below)

BEAT_SCHEDULE: dict[str, dict] = {}
