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
    # 07:00 daily: notices at (inactivity - notice) days, refunds at inactivity days (inactivity/sweep.py).
    "inactivity: sweep inactive AdvanceConnect balances": {
        "task": "inactivity.tasks.inactivity_sweep",
        "schedule": crontab(minute="0", hour="7"),
        "kwargs": {"limit": 50000},
        "description": "Emails the inactivity notice once, then closes and refunds (or holds) balances "
        "unused for the inactivity period.",
    },
    # 06:30 daily, after stale checks are voided: voided and returned checks become unclaimed items.
    "unclaimed: collect items": {
        "task": "unclaimed.tasks.collect_items",
        "schedule": crontab(minute="30", hour="6"),
        "kwargs": {"limit": 1000},
        "description": "Voided checks and checks returned undeliverable (not reissued in 30 days) "
        "become unclaimed-property items.",
    },
    # 08:00 daily: owners of items due in a state's next report get their due-diligence letter.
    "unclaimed: due-diligence letters": {
        "task": "unclaimed.tasks.send_due_diligence_letters",
        "schedule": crontab(minute="0", hour="8"),
        "kwargs": {"limit": 5000},
        "description": "Writes the mail-merge CSV of letters to owners 60-120 days before the state report.",
    },
    # 09:00 daily: a state's annual holder report, written 14 days before it is due.
    "unclaimed: holder reports": {
        "task": "unclaimed.tasks.write_due_reports",
        "schedule": crontab(minute="0", hour="9"),
        "kwargs": {},
        "description": "Writes each state's unclaimed-property holder report (CSV) two weeks before its "
        "due date; items in it are marked remitted and never reported again.",
    },
}
