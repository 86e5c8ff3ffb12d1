"""`make bench`'s sweep measurement runs the real sweep end to end on a small seed (it patches the card
refund hand-off, which must keep the signature the sweep calls it with)."""

import pytest

from inactivity.bench import measure_sweep
from inactivity.models import InactivityClosure, InactivityNotice

pytestmark = pytest.mark.django_db(transaction=True)


def test_measure_sweep_notices_then_closes_every_seeded_account():
    result = measure_sweep(8)
    assert result["notice_actions"] == 8 and result["close_actions"] == 8
    assert result["inactivity_sweep_per_min"] > 0
    assert InactivityNotice.objects.count() == 8 and InactivityClosure.objects.count() == 8
