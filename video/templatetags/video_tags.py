"""`{% video_account_cards account %}`: the VideoConnect cards of the My Account page."""

from django import template
from django.utils import timezone

from securus.money import dollars
from video import sessions as session_service
from video import subscriptions as service

register = template.Library()


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
    sessions = [
        {"obj": s, "price": dollars(s.price_cents) if s.price_cents else ""}
        for s in session_service.upcoming_sessions(account=account, now=now)
    ]
    # csrf_token and request come from the page, so the cards' forms post like the page's own.
    return {
        "subscriptions": subscriptions,
        "sessions": sessions,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
