"""The stuck-work page lists exactly what is overdue, on each side of each rule's boundary."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from care.stuck import business_days_back, stuck_work
from refunds.models import Check, Refund
from tests import factories
from video.models import Subscription

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# Monday after Thanksgiving, 9:00 in Chicago: two business days back skips the Thursday holiday.
NOW = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=CHICAGO)


def _local(day, hour):
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=CHICAGO)


@pytest.fixture
def overdue_and_not():
    with time_machine.travel(NOW, tick=False):
        hours = datetime.timedelta(hours=1)
        card = dict(method=Refund.Method.CARD)
        made = {
            "refund_stuck": factories.RefundFactory(**card, status="pending", created_at=NOW - 25 * hours),
            "refund_orphan": factories.RefundFactory(**card, status="submitted", created_at=NOW - 30 * hours),
            "refund_recent": factories.RefundFactory(**card, status="pending", created_at=NOW - 23 * hours),
            "refund_done": factories.RefundFactory(**card, status="succeeded", created_at=NOW - 99 * hours),
            "check_stuck": factories.CheckFactory(created_at=_local(24, 23)),
            "check_recent": factories.CheckFactory(created_at=_local(25, 0)),
            "check_mailed": factories.CheckFactory(created_at=_local(2, 9), status=Check.Status.MAILED),
            "closure_stuck": factories.ClosureRequestFactory(
                close_after=datetime.date(2026, 11, 26), close_by=datetime.date(2026, 11, 29)
            ),
            "closure_due_today": factories.ClosureRequestFactory(
                close_after=datetime.date(2026, 11, 27), close_by=datetime.date(2026, 11, 30)
            ),
            "sub_stuck": factories.SubscriptionFactory(current_period_end=NOW - hours),
            "sub_current": factories.SubscriptionFactory(current_period_end=NOW + hours),
            "sub_ended": factories.SubscriptionFactory(
                current_period_end=NOW - 99 * hours, status=Subscription.Status.ENDED
            ),
        }
    return made


def test_two_business_days_back_skips_weekends_and_holidays():
    assert business_days_back(datetime.date(2026, 11, 30), 2) == datetime.date(2026, 11, 25)
    assert business_days_back(datetime.date(2026, 12, 3), 2) == datetime.date(2026, 12, 1)


def test_each_list_holds_exactly_the_overdue_rows(overdue_and_not):
    with time_machine.travel(NOW, tick=False):
        lists = {item.key: item for item in stuck_work()}
    ids = {key: {row.pk for row in item.rows} for key, item in lists.items()}
    made = overdue_and_not
    assert ids["refunds"] == {made["refund_stuck"].pk, made["refund_orphan"].pk}
    assert ids["checks"] == {made["check_stuck"].pk}
    assert ids["closures"] == {made["closure_stuck"].pk}
    assert ids["subscriptions"] == {made["sub_stuck"].pk}
    assert {key: item.total for key, item in lists.items()} == {
        "refunds": 2,
        "checks": 1,
        "closures": 1,
        "subscriptions": 1,
    }


def test_the_page_shows_them_to_operations(client, overdue_and_not):
    from audit.roles import OPERATIONS
    from tests.care_helpers import staff_in

    client.force_login(staff_in(OPERATIONS))
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("admin:audit_stuckwork_changelist"))
    html = page.content.decode()
    assert page.status_code == 200
    for key, total in (("refunds", 2), ("checks", 1), ("closures", 1), ("subscriptions", 1)):
        assert f'data-testid="stuck-{key}-total">{total}<' in html
    assert reverse("admin:refunds_refund_change", args=[overdue_and_not["refund_stuck"].pk]) in html
