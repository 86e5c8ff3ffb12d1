"""The command refuses a bad --now and changes nothing; the beat task runs the same sweep."""

import pytest
from django.core.management import CommandError, call_command

from inactivity.models import InactivityNotice
from inactivity.tasks import inactivity_sweep

from .helpers import inactive_prepaid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "now,message",
    [("yesterday", "not an ISO-8601 time"), ("2026-11-26T15:00:00", "needs a UTC offset")],
)
def test_a_bad_now_is_refused_and_nothing_changes(now, message):
    inactive_prepaid(days=200)
    with pytest.raises(CommandError, match=message):
        call_command("inactivity_sweep", "--now", now, "--json")
    assert not InactivityNotice.objects.exists()


def test_the_beat_task_sweeps_and_is_safe_to_run_twice():
    inactive_prepaid(days=200)
    assert inactivity_sweep.apply(kwargs={"limit": 100}).get() == 1
    assert inactivity_sweep.apply(kwargs={"limit": 100}).get() == 0
    assert InactivityNotice.objects.count() == 1
