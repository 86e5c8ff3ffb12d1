"""When a refund is expected to reach the family member."""

from datetime import date, timedelta

from securus.calendar import add_business_days

CARD_BUSINESS_DAYS = (2, 3)  # issued within 2-3 business days
CHECK_CALENDAR_DAYS = (14, 21)  # mailed by USPS within 2-3 weeks


def card_refund_window(today: date) -> tuple[date, date]:
    return add_business_days(today, CARD_BUSINESS_DAYS[0]), add_business_days(today, CARD_BUSINESS_DAYS[1])


def check_refund_window(today: date) -> tuple[date, date]:
    return today + timedelta(days=CHECK_CALENDAR_DAYS[0]), today + timedelta(days=CHECK_CALENDAR_DAYS[1])
