"""What every service closer shares: the preview it returns and the small helpers they all use."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from django.utils import timezone


@dataclass(frozen=True)
class RefundLine:
    """One payment owed back: to a card charge, or by mailed check."""

    amount_cents: int
    method: str  # "card" or "check"
    expected_from: date
    expected_to: date
    payment_id: int | None = None
    card_brand: str = ""
    card_last4: str = ""
    why: str = ""
    parts: int = 1  # card charges this amount is spread over, when lines are merged by route


Data = TypeVar("Data")


@dataclass(frozen=True)
class ServicePreview(Generic[Data]):
    """What deleting will do to one service. `report` is that service's part of the deletion report;
    `close()` carries out exactly this preview and records `report` as its outcome."""

    service: str
    title: str
    headline: str
    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    # What close() needs beyond the report: each closer's own frozen dataclass (ids, amounts).
    data: Data | None = None
    # A page fragment the Delete Account page shows under this service ("" for none), given `preview`.
    template: str = ""


def local_today(now: datetime) -> date:
    return timezone.localtime(now).date()
