"""VideoConnect closer: every scheduled session is voided and every Unlimited subscription ends now,
with no refund of sessions or subscription fees."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BigIntegerField, Case, Count, DateTimeField, F, OuterRef, Value, When, Window
from django.db.models.functions import JSONObject

from accounts.models import Account
from securus.celery import app
from securus.closer_types import ServicePreview
from securus.compiled import CompiledValues, CompiledWrite, JSONList, Param, json_datetime
from securus.money import dollars

from .models import Session, Subscription

log = logging.getLogger(__name__)

# Sent by name, so the closer never imports the tasks module (the tasks call back into the services);
# VideoConfig.ready registers it.
STOP_RENEWAL_AT_STRIPE = "video.tasks.stop_renewal_at_stripe"

SESSIONS_LISTED = 20


def _preview_query():
    """The open subscriptions and the first scheduled sessions (with how many there are in all), as JSON
    lists of one statement."""
    mine = OuterRef("pk")
    subscriptions = (
        Subscription.objects.filter(account=mine)
        .exclude(status=Subscription.Status.ENDED)
        .values(
            item=JSONObject(
                pk="pk",
                price_cents="price_cents",
                facility_name="facility__name",
                stripe_subscription_id="stripe_subscription_id",
            )
        )
    )
    sessions = (
        Session.objects.filter(account=mine, status=Session.Status.SCHEDULED)
        .order_by("scheduled_at", "pk")
        .values(
            item=JSONObject(
                pk="pk",
                scheduled_at="scheduled_at",
                inmate_name="inmate__name",
                facility_name="facility__name",
                total=Window(Count("pk")),  # how many are scheduled in all, in the same query
            )
        )[:SESSIONS_LISTED]
    )
    return Account.objects.filter(pk=Param("account", BigIntegerField())).values(
        subscriptions=JSONList(subscriptions), sessions=JSONList(sessions)
    )


# Compiled once per process (securus.compiled): the preview runs on the page and again at deletion.
_PREVIEW = CompiledValues(_preview_query)


@dataclass(frozen=True)
class VideoData:
    # The next scheduled visits, listed on the Delete Account page: dicts of pk, scheduled_at,
    # inmate_name and facility_name, soonest first.
    sessions: list
    session_count: int
    subscription_ids: list[int]
    billed_ids: list[int]  # subscriptions Stripe must stop renewing after commit


class VideoCloser:
    service = "video"
    title = "VideoConnect"

    def preview(self, account, *, now) -> ServicePreview[VideoData] | None:
        (row,) = _PREVIEW.rows(account=account.pk)
        open_subs = sorted(row["subscriptions"], key=lambda sub: sub["pk"])
        upcoming = sorted(
            ({**item, "scheduled_at": json_datetime(item["scheduled_at"])} for item in row["sessions"]),
            key=lambda item: (item["scheduled_at"], item["pk"]),
        )
        session_count = upcoming[0]["total"] if upcoming else 0
        if not session_count and not open_subs:
            return None
        details = []
        for sub in open_subs:
            details.append(
                f"VideoConnect Unlimited at {sub['facility_name']} ({dollars(sub['price_cents'])} a month) "
                "ends now and will not renew. The current month is not refunded."
            )
        warnings = []
        if session_count:
            plural = "session is" if session_count == 1 else "sessions are"
            warnings.append(
                f"{session_count} scheduled video {plural} voided, with no refund. "
                "Cancel them yourself before deleting if you prefer."
            )
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline="Visits will be voided and subscriptions ended, without refund.",
            details=details,
            warnings=warnings,
            report={"sessions_voided": session_count, "subscriptions_cancelled": len(open_subs)},
            data=VideoData(
                sessions=upcoming,
                session_count=session_count,
                subscription_ids=[s["pk"] for s in open_subs],
                billed_ids=[s["pk"] for s in open_subs if s["stripe_subscription_id"]],
            ),
            template="video/_delete_preview.html",
        )

    def close(self, account, deletion, preview: ServicePreview[VideoData], *, now) -> dict:
        _VOID_SESSIONS.run(account=account.pk, now=now)
        billed = preview.data.billed_ids
        ending = {
            "status": Subscription.Status.ENDED,
            "ended_at": now,
            "canceled_at": now,
            "cancel_at_period_end": False,
        }
        if billed:
            # The billed subscriptions are among those ending: marked in the same statement.
            ending["stripe_stop_pending"] = Case(
                When(pk__in=billed, then=Value(True)), default=F("stripe_stop_pending")
            )
        Subscription.objects.filter(pk__in=preview.data.subscription_ids).update(**ending)
        if billed:
            transaction.on_commit(lambda: _stop_renewals(billed))
        return preview.report

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says, from the outcome recorded at deletion."""
        sessions, subs = (
            int(outcome.get("sessions_voided") or 0),
            int(outcome.get("subscriptions_cancelled") or 0),
        )
        lines = []
        if sessions:
            lines.append(
                f"{sessions} scheduled video session{'s were' if sessions != 1 else ' was'} cancelled, without refund."
            )
        if subs:
            lines.append(
                f"{subs} VideoConnect Unlimited subscription{'s' if subs != 1 else ''} ended and will not renew."
            )
        return lines or ["Your VideoConnect services ended."]


# Compiled once per process (securus.compiled): every deletion voids sessions with the same statement.
_VOID_SESSIONS = CompiledWrite(
    lambda: Session.objects.filter(
        account_id=Param("account", BigIntegerField()), status=Session.Status.SCHEDULED
    ),
    lambda: {"status": Session.Status.VOIDED.value, "status_changed_at": Param("now", DateTimeField())},
)


def _stop_renewals(subscription_ids) -> None:
    """Stop renewals at Stripe once our record says the subscriptions ended. If the broker is down,
    the reconcile job retries every subscription still marked stripe_stop_pending."""
    for subscription_id in subscription_ids:
        try:
            app.tasks[STOP_RENEWAL_AT_STRIPE].delay(subscription_id)
        except Exception:
            log.exception("could not enqueue the Stripe cancellation of subscription %s", subscription_id)
