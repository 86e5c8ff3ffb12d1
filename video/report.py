"""The marketing report: why people start to unsubscribe from VideoConnect, by reason, facility and month,
and how many stayed enrolled after answering. Counted in the database; drawn as SVG and CSV here."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.html import escape

from .models import UnsubscribeAnswer

# (Row attribute, label, colour), each counting the answers with that stored outcome.
OUTCOMES = [
    ("canceled", "Cancelled", "#a4161a"),
    ("stayed", "Stayed enrolled", "#1e6b34"),
    ("pending", "Left without deciding", "#8a949e"),
]
_STORED = {
    "canceled": UnsubscribeAnswer.Outcome.CANCELED,
    "stayed": UnsubscribeAnswer.Outcome.STAYED,
    "pending": UnsubscribeAnswer.Outcome.PENDING,
}
_COUNTS = {
    "total": Count("id"),
    **{key: Count("id", filter=Q(outcome=_STORED[key])) for key, _, _ in OUTCOMES},
}


@dataclass
class Row:
    label: str
    total: int = 0
    canceled: int = 0
    stayed: int = 0
    pending: int = 0

    @property
    def stayed_share(self) -> str:
        decided = self.canceled + self.stayed
        return f"{round(100 * self.stayed / decided)}%" if decided else "–"


@dataclass
class Report:
    date_from: date | None
    date_to: date | None
    totals: Row
    by_reason: list[Row] = field(default_factory=list)
    by_facility: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    detail: list[dict] = field(default_factory=list)  # month x facility x reason, for the CSV


def answers(*, date_from: date | None = None, date_to: date | None = None):
    """Answers given between the two local dates, both included."""
    qs = UnsubscribeAnswer.objects.all()
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs  # answer_report_idx


def _rows(qs, label_field):
    return [
        Row(label=r[label_field], **{k: r[k] for k in _COUNTS})
        for r in qs.values(label_field).annotate(**_COUNTS).order_by("-total", label_field)
    ]


def build(*, date_from: date | None = None, date_to: date | None = None) -> Report:
    qs = answers(date_from=date_from, date_to=date_to)
    totals = Row(label="All answers", **qs.aggregate(**_COUNTS))
    by_month = [
        Row(
            label=timezone.localtime(r["month"]).strftime("%Y-%m")
            if timezone.is_aware(r["month"])
            else r["month"].strftime("%Y-%m"),
            **{k: r[k] for k in _COUNTS},
        )
        for r in qs.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(**_COUNTS)
        .order_by("month")
    ]
    detail = list(
        qs.annotate(month=TruncMonth("created_at"))
        .values("month", "facility__name", "reason__label")
        .annotate(**_COUNTS)
        .order_by("month", "facility__name", "reason__label")
    )
    return Report(
        date_from=date_from,
        date_to=date_to,
        totals=totals,
        by_reason=_rows(qs, "reason__label"),
        by_facility=_rows(qs, "facility__name"),
        by_month=by_month,
        detail=detail,
    )


def bar_chart_svg(rows: list[Row], *, title: str) -> str:
    """Horizontal stacked bars (canceled / stayed / undecided) per row, as inline SVG markup."""
    bar_h, gap, label_w, bar_w, top = 22, 10, 300, 420, 30
    legend_h = 26
    height = top + len(rows) * (bar_h + gap) + legend_h + 10
    width = label_w + bar_w + 60
    biggest = max((r.total for r in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title" font-family="system-ui, sans-serif" '
        f'font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="0" y="18" font-weight="600">{escape(title)}</text>',
    ]
    for i, row in enumerate(rows):
        y = top + i * (bar_h + gap)
        label = row.label if len(row.label) <= 38 else row.label[:37] + "…"  # full label in the table
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        x = label_w
        for key, name, colour in OUTCOMES:
            n = getattr(row, key)
            if not n:
                continue
            w = round(bar_w * n / biggest, 1)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}">'
                f"<title>{escape(row.label)}: {n} {escape(name.lower())}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 6}" y="{y + 15}">{row.total}</text>')
    y = top + len(rows) * (bar_h + gap) + 8
    x = label_w
    for _, name, colour in OUTCOMES:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 11}">{escape(name)}</text>')
        x += 30 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "facility", "reason", "answers", "cancelled", "stayed_enrolled", "undecided"])
    for r in report.detail:
        month = timezone.localtime(r["month"]) if timezone.is_aware(r["month"]) else r["month"]
        writer.writerow(
            [
                month.strftime("%Y-%m"),
                r["facility__name"],
                r["reason__label"],
                r["total"],
                r["canceled"],
                r["stayed"],
                r["pending"],
            ]
        )
    return out.getvalue()
