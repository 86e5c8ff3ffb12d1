"""`{% video_account_cards account %}`: the VideoConnect cards of the My Account page."""

from django import template
from django.db.models import Count, Window
from django.utils import timezone

from securus.money import dollars
from video import sessions as session_service
from video import subscriptions as service

register = template.Library()

SESSIONS_SHOWN = 20


@register.inclusion_tag("video/account_cards.html", takes_context=True)
def video_account_cards(context, account):
    now = timezone.now()
    subscriptions = [
        {
            "obj": sub,
            "price": dollars(sub.price_cents),
            "cancellable": service.is_cancellable(sub),
            "resumable": service.is_resumable(sub, now=now),
        }
        for sub in service.open_subscriptions(account=account)
    ]
    # The next few visits are what a family acts on; the page stays short whatever the history, and the
    # window count says how many more there are in the same query.
    upcoming = list(
        session_service.upcoming_sessions(account=account, now=now).annotate(total=Window(Count("pk")))[
            :SESSIONS_SHOWN
        ]
    )
    sessions = [{"obj": s, "price": dollars(s.price_cents) if s.price_cents else ""} for s in upcoming]
    more = upcoming[0].total - len(upcoming) if upcoming else 0
    # csrf_token and request come from the page, so the cards' forms post like the page's own.
    return {
        "subscriptions": subscriptions,
        "sessions": sessions,
        "more_sessions": more,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
