"""Every periodic job is in the one beat schedule, names a registered task and loads into the beat database."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from securus.celery import app
from securus.schedule import BEAT_SCHEDULE

REQUIRED = {
    "refunds.tasks.sweep_pending_card_refunds",
    "refunds.tasks.run_checks",
    "refunds.tasks.void_stale_checks",
    "directbill.tasks.close_held_accounts",
}


def test_every_refund_and_directbill_job_is_scheduled_with_a_readable_name():
    tasks = {entry["task"]: name for name, entry in BEAT_SCHEDULE.items()}
    assert REQUIRED <= set(tasks)
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, entry["task"]
        assert ": " in name and name == name.strip()
        assert entry.get("description")


def test_check_run_only_on_weekdays():
    entry = next(e for e in BEAT_SCHEDULE.values() if e["task"] == "refunds.tasks.run_checks")
    assert entry["schedule"].day_of_week == {1, 2, 3, 4, 5}


@pytest.mark.django_db
def test_setup_schedule_loads_them():
    call_command("setup_schedule")
    assert REQUIRED <= set(PeriodicTask.objects.values_list("task", flat=True))
