"""Dates as the family pages write them, in the current time zone and language: the same text as Django's
`date` filter with the formats named below. That filter interprets its format string and looks the time
zone and each translated word up again on every call, about 100 microseconds; My Account writes dozens of
dates, so a page makes one PageDates, which looks them up once."""

from datetime import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext


@lru_cache(maxsize=16)
def _words(language: str):
    """Month names, weekday abbreviations, AM and PM in `language` (the active one when first asked)."""
    months = {number: str(name) for number, name in MONTHS.items()}
    weekdays = {number: str(name) for number, name in WEEKDAYS_ABBR.items()}
    return months, weekdays, gettext("AM"), gettext("PM")


@lru_cache(maxsize=16)
def _short_months(language: str) -> dict[int, str]:
    """Three-letter month names in `language`, as the `M` format writes them ('Nov')."""
    return {number: str(name).title() for number, name in MONTHS_3.items()}


class PageDates:
    def __init__(self):
        self._zone = timezone.get_current_timezone()
        self._language = get_language()
        self._months, self._weekdays, self._am, self._pm = _words(self._language)

    def _local(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self._zone)
        return value

    def long_date(self, value) -> str:
        """`date:"F j, Y"`: 'November 26, 2026'."""
        if not value:
            return ""
        value = self._local(value)
        return f"{self._months[value.month]} {value.day}, {value.year}"

    def month_day(self, value) -> str:
        """`date:"F j"`: 'November 26'."""
        if not value:
            return ""
        value = self._local(value)
        return f"{self._months[value.month]} {value.day}"

    def visit_time(self, value) -> str:
        """`date:"D, F j, Y, g:i A"`: 'Thu, November 26, 2026, 3:05 PM'."""
        if not value:
            return ""
        value = self._local(value)
        return (
            f"{self._weekdays[value.weekday()]}, {self._months[value.month]} {value.day}, {value.year}, "
            f"{value.hour % 12 or 12}:{value.minute:02d} {self._pm if value.hour > 11 else self._am}"
        )

    def short_visit_time(self, value) -> str:
        """`date:"D, M j, Y, g:i A"`: 'Thu, Nov 26, 2026, 3:05 PM'."""
        if not value:
            return ""
        value = self._local(value)
        month = _short_months(self._language)[value.month]
        return (
            f"{self._weekdays[value.weekday()]}, {month} {value.day}, {value.year}, "
            f"{value.hour % 12 or 12}:{value.minute:02d} {self._pm if value.hour > 11 else self._am}"
        )
