"""The marketing report counts what was stored, for a generated set of unsubscribe answers."""

import csv
import datetime
import io
import random
from collections import Counter

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    FacilityFactory,
    StaffUserFactory,
    SubscriptionFactory,
    UnsubscribeAnswerFactory,
)
from video import report
from video.models import UnsubscribeAnswer

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(reasons):
    """120 answers over five months, three facilities, every reason and outcome, seeded for repeatability."""
    rng = random.Random(20261126)
    facilities = [FacilityFactory(name=n) for n in ("Dallas County Jail", "Tarrant County", "Harris County")]
    subs = [SubscriptionFactory(facility=f) for f in facilities for _ in range(4)]
    outcomes = ["pending", "stayed", "cancelled"]
    for _ in range(120):
        sub = rng.choice(subs)
        created = timezone.make_aware(
            datetime.datetime(
                2026, rng.randint(6, 10), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
            )
        )
        UnsubscribeAnswerFactory(
            subscription=sub,
            facility=sub.facility,
            reason=rng.choice(list(reasons.values())),
            outcome=rng.choice(outcomes),
            created_at=created,
        )
    return list(UnsubscribeAnswer.objects.select_related("reason", "facility"))


def expected(answers, key):
    counts: dict = {}
    for a in answers:
        c = counts.setdefault(key(a), Counter())
        c["total"] += 1
        c[a.outcome] += 1
    return counts


def as_dict(rows):
    return {
        r.label: Counter(total=r.total, pending=r.pending, stayed=r.stayed, cancelled=r.canceled)
        for r in rows
    }


def drop_zeros(d):
    return {k: +v for k, v in d.items()}


def test_counts_match_the_stored_answers(generated):
    data = report.build()
    assert data.totals.total == 120
    assert data.totals.stayed == sum(a.outcome == "stayed" for a in generated)
    assert drop_zeros(as_dict(data.by_reason)) == expected(generated, lambda a: a.reason.label)
    assert drop_zeros(as_dict(data.by_facility)) == expected(generated, lambda a: a.facility.name)
    local_month = lambda a: timezone.localtime(a.created_at).strftime("%Y-%m")  # noqa: E731
    assert drop_zeros(as_dict(data.by_month)) == expected(generated, local_month)


def test_date_filter_uses_local_days_inclusive(generated):
    start, end = datetime.date(2026, 7, 10), datetime.date(2026, 8, 20)
    data = report.build(date_from=start, date_to=end)
    inside = [a for a in generated if start <= timezone.localdate(a.created_at) <= end]
    assert 0 < data.totals.total == len(inside) < 120
    assert drop_zeros(as_dict(data.by_reason)) == expected(inside, lambda a: a.reason.label)


def test_csv_rows_add_up_to_the_answers(generated):
    rows = list(csv.DictReader(io.StringIO(report.to_csv(report.build()))))
    assert sum(int(r["answers"]) for r in rows) == 120
    by_cell = expected(
        generated,
        lambda a: (timezone.localtime(a.created_at).strftime("%Y-%m"), a.facility.name, a.reason.label),
    )
    for r in rows:
        c = by_cell[(r["month"], r["facility"], r["reason"])]
        assert (int(r["answers"]), int(r["stayed_enrolled"]), int(r["cancelled"]), int(r["undecided"])) == (
            c["total"],
            c["stayed"],
            c["cancelled"],
            c["pending"],
        )
    assert len(rows) == len(by_cell)


def test_svg_chart_has_one_bar_group_per_reason_and_escapes_labels(reasons):
    rows = [
        report.Row(label='<script>"x"</script>', total=3, canceled=2, stayed=1),
        report.Row(label="Other", total=1, pending=1),
    ]
    svg = report.bar_chart_svg(rows, title="Answers by reason")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 3 + 3  # three bar segments plus the three legend keys


def test_admin_report_page_for_marketing_with_view_permission_and_csv(client, generated):
    marketer = StaffUserFactory()
    marketer.user_permissions.add(Permission.objects.get(codename="view_unsubscribereport"))
    client.login(username=marketer.email, password=PASSWORD)
    url = reverse("admin:video_unsubscribereport_changelist")
    page = client.get(url, {"date_from": "2026-06-01", "date_to": "2026-10-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "By reason" in html and "By facility" in html and "By month" in html
    assert f"<td>{report.build().totals.total}</td>" in html
    export = client.get(url, {"date_from": "2026-06-01", "date_to": "2026-10-31", "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert sum(int(r["answers"]) for r in csv.DictReader(io.StringIO(export.content.decode()))) == 120
    bad = client.get(url, {"date_from": "2026-10-01", "date_to": "2026-06-01"})
    assert "start date must be on or before" in bad.content.decode()


def test_admin_report_refuses_staff_without_the_permission(client, generated):
    client.login(username=StaffUserFactory().email, password=PASSWORD)
    assert client.get(reverse("admin:video_unsubscribereport_changelist")).status_code == 403
