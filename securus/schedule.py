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
    # Every 10 minutes: card refunds pending too long with no task in flight are enqueued again.
    "refunds: sweep pending card refunds": {
        "task": "refunds.tasks.sweep_pending_card_refunds",
        "schedule": crontab(minute="*/10"),
        "kwargs": {"limit": 200},
        "description": "Re-enqueues card refunds whose task message was lost (broker down, worker killed).",
    },
    # Hourly: card refunds Stripe left pending a day with no webhook are looked up and settled.
    "refunds: look up refunds pending a day": {
        "task": "refunds.tasks.settle_unheard_card_refunds",
        "schedule": crontab(minute="20"),
        "kwargs": {"limit": 200},
        "description": "Asks Stripe about card refunds pending over a day without a webhook and settles them.",
    },
    # 04:00 daily: address snapshots kept while a card refund could still fail are erased after 120 days.
    "refunds: erase settled address snapshots": {
        "task": "refunds.tasks.erase_settled_snapshots",
        "schedule": crontab(minute="0", hour="4"),
        "kwargs": {"limit": 500},
        "description": "Erases a deletion's mailing address once none of its refunds can still become a check.",
    },
    # 14:00 Monday to Friday; the task itself skips US federal holidays.
    "refunds: check run on business days": {
        "task": "refunds.tasks.run_checks",
        "schedule": crontab(minute="0", hour="14", day_of_week="mon-fri"),
        "kwargs": {"limit": 2000},
        "description": "Numbers, prints and mails queued refund checks; writes the positive-pay file.",
    },
    # 06:00 daily, before the check run, so voids reach the same day's positive-pay file.
    "refunds: void stale checks": {
        "task": "refunds.tasks.void_stale_checks",
        "schedule": crontab(minute="0", hour="6"),
        "kwargs": {"limit": 500},
        "description": "Voids mailed checks not cashed 180 days after issue, for reissue or unclaimed property.",
    },
    # 05:00 daily: Direct Bill closures whose 7-day hold has passed.
    "directbill: close accounts after the hold": {
        "task": "directbill.tasks.close_held_accounts",
        "schedule": crontab(minute="0", hour="5"),
        "kwargs": {"limit": 10000},
        "description": "Final statement (due in 20 days) or plain closure; reports requests held past 10 days.",
    },
}
