"""The one beat schedule. `manage.py setup_schedule` writes it into django-celery-beat (idempotent);
operations can then pause or retime each job in admin. Keys are the names shown there."""

from celery.schedules import crontab  # noqa: F401  (used by the entries below)

BEAT_SCHEDULE: dict[str, dict] = {
    # Every 15 minutes: end VideoConnect subscriptions whose paid period is over (missed webhooks).
    "video: reconcile subscriptions": {
        "task": "video.tasks.reconcile_subscriptions",
        "schedule": crontab(minute="*/15"),
        "kwargs": {"limit": 200},
        "description": "Ends VideoConnect Unlimited subscriptions whose period ended after a cancellation "
        "or that Stripe says ended.",
    },
}
