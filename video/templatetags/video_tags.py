"""`{% video_account_cards overview %}`: the VideoConnect cards of the My Account page."""

from django import template
from django.urls import reverse
from django.utils import timezone

from securus.dates import PageDates
from securus.money import dollars
from video import sessions as session_service
from video import subscriptions as service

register = template.Library()

SESSIONS_SHOWN = session_service.UPCOMING_SHOWN
_MARKER = 987654321987654321  # an id no row has, to find where the id goes in a URL


def _url_for_ids(name: str):
    """`pk -> reverse(name, args=[pk])` for a URL whose one argument is an integer id, reversing once:
    the text around the id does not depend on it (and reverse() takes 50 microseconds a call)."""
    head, tail = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{int(pk)}{tail}"


@register.inclusion_tag("video/account_cards.html", takes_context=True)
def video_account_cards(context, overview):
    """`overview` carries the lists (read with the rest of My Account in one query): video_subscriptions
    from subscriptions.listed_from_list(), video_sessions and video_more_sessions from
    sessions.upcoming_from_list()."""
    now = timezone.now()
    dates = PageDates()
    subscriptions = [
        {
            "pk": str(sub.pk),
            "facility": facility,
            "price": dollars(sub.price_cents),
            "status": sub.status,
            "cancelled": sub.cancel_at_period_end,
            "period_end": dates.long_date(sub.current_period_end),
            "cancellable": service.is_cancellable(sub),
            "resumable": service.is_resumable(sub, now=now),
        }
        for sub, facility in overview.video_subscriptions
    ]
    # The next few visits are what a family acts on; the page stays short whatever the history.
    return {
        "subscriptions": subscriptions,
        "sessions": _visits(overview.video_sessions, when=dates.visit_time, dates=dates),
        "more_sessions": overview.video_more_sessions,
        **_page_forms(context),
    }


def _visits(rows, *, when, dates: PageDates) -> list[dict]:
    """Visits (dicts of pk, scheduled_at, inmate_name, facility_name and maybe price_cents) as the
    templates show them, each with its cancel link; `when` writes the time. Their text is written here, in
    Python: the template language would take several times as long."""
    cancel_url = _url_for_ids("video:cancel_session")
    return [
        {
            "pk": str(s["pk"]),  # text: the template would format each number for the locale
            "when": when(s["scheduled_at"]),
            "day": dates.month_day(s["scheduled_at"]),
            "inmate": s["inmate_name"],
            "facility": s["facility_name"],
            "price": dollars(s["price_cents"]) if s.get("price_cents") else "",
            "cancel_url": cancel_url(s["pk"]),
        }
        for s in rows
    ]


def _page_forms(context) -> dict:
    # csrf_token and request come from the page, so the cards' forms post like the page's own; the token
    # is read once here rather than through its lazy wrapper at each of the forms.
    csrf_token = context.get("csrf_token")
    return {"csrf_token": str(csrf_token) if csrf_token else csrf_token, "request": context.get("request")}


@register.inclusion_tag("video/_delete_sessions.html", takes_context=True)
def video_delete_sessions(context, preview):
    """The visits deleting would void, under VideoConnect on the Delete Account page, each with its cancel
    form: `preview.data.sessions` (dicts of pk, scheduled_at, inmate_name, facility_name) written here,
    in Python, as the My Account cards are."""
    dates = PageDates()
    return {
        "sessions": _visits(preview.data.sessions, when=dates.short_visit_time, dates=dates),
        "back_url": reverse("deletion:delete"),
        **_page_forms(context),
    }
