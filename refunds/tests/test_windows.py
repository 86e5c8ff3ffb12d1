"""Refund arrival windows: card in 2 to 3 business days (weekends and federal holidays skipped, observed
dates included), check in 14 to 21 calendar days."""

from datetime import date

import pytest

from refunds.windows import card_refund_window, check_refund_window


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 16), (date(2026, 11, 18), date(2026, 11, 19))),  # Monday: plain weekdays
        (date(2026, 11, 20), (date(2026, 11, 24), date(2026, 11, 25))),  # Friday: the weekend is skipped
        (date(2026, 11, 25), (date(2026, 11, 30), date(2026, 12, 1))),  # Thanksgiving and the weekend
        (
            date(2026, 7, 2),
            (date(2026, 7, 7), date(2026, 7, 8)),
        ),  # July 4th on a Saturday, observed Friday 3rd
        (date(2026, 12, 31), (date(2027, 1, 5), date(2027, 1, 6))),  # across the year, New Year's Day skipped
    ],
)
def test_card_window_counts_business_days(today, expected):
    assert card_refund_window(today) == expected


def test_check_window_counts_calendar_days():
    assert check_refund_window(date(2026, 11, 26)) == (date(2026, 12, 10), date(2026, 12, 17))
    assert check_refund_window(date(2026, 12, 25)) == (date(2027, 1, 8), date(2027, 1, 15))
