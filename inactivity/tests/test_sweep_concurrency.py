"""Two sweeps at the same moment (two beat runs, or beat and an operator) share the work: every notice
and every closure happens once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from inactivity.models import InactivityClosure, InactivityNotice
from inactivity.sweep import sweep
from refunds.models import Check, Refund

from .helpers import NOW, inactive_prepaid


def _together(now, runs=3) -> list[dict]:
    start = threading.Barrier(runs)
    actions, errors = [], []

    def run():
        try:
            start.wait()
            actions.extend(sweep(now=now, batch_size=2))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return actions


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_sweeps_notice_and_close_once():
    # Checks only: nothing is handed to the broker, so the test needs no worker.
    for _ in range(6):
        inactive_prepaid(days=200, cents=3000, method="western_union")

    noticed = _together(NOW)
    assert sorted(a["action"] for a in noticed) == ["noticed"] * 6
    assert InactivityNotice.objects.count() == 6

    closed = _together(NOW + timedelta(days=30))
    assert sorted(a["action"] for a in closed) == ["refunded"] * 6
    assert len({a["email"] for a in closed}) == 6
    assert InactivityClosure.objects.count() == 6
    assert Refund.objects.count() == Check.objects.count() == 6
