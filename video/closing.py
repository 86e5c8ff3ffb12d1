"""VideoConnect closer: every scheduled session is voided and every Unlimited subscription ends now,
with no refund of sessions or subscription fees."""

import logging

from django.db import transaction

from accounts.closers import ServicePreview
from securus.money import dollars

from .models import Session, Subscription
from .tasks import stop_renewal_at_stripe

log = logging.getLogger(__name__)

SESSIONS_LISTED = 20


class VideoCloser:
    service = "video"
    title = "VideoConnect"

    def preview(self, account, *, now) -> ServicePreview | None:
        sessions = Session.objects.filter(account=account, status=Session.Status.SCHEDULED)
        subscriptions = Subscription.objects.filter(account=account).exclude(status=Subscription.Status.ENDED)
        session_count = sessions.count()
        open_subs = list(
            subscriptions.select_related("facility").only(
                "pk", "price_cents", "facility__name", "stripe_subscription_id"
            )
        )
        if not session_count and not open_subs:
            return None
        upcoming = list(
            sessions.select_related("inmate", "facility").order_by("scheduled_at")[:SESSIONS_LISTED]
        )
        details = []
        for sub in open_subs:
            details.append(
                f"VideoConnect Unlimited at {sub.facility.name} ({dollars(sub.price_cents)} a month) ends now "
                "and will not renew. The current month is not refunded."
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
            data={
                "sessions": upcoming,
                "session_count": session_count,
                "subscription_ids": [s.pk for s in open_subs],
                "billed_ids": [s.pk for s in open_subs if s.stripe_subscription_id],
            },
        )

    def close(self, account, deletion, preview: ServicePreview, *, now) -> dict:
        Session.objects.filter(account=account, status=Session.Status.SCHEDULED).update(
            status=Session.Status.VOIDED, status_changed_at=now
        )
        Subscription.objects.filter(pk__in=preview.data["subscription_ids"]).update(
            status=Subscription.Status.ENDED, ended_at=now, canceled_at=now, cancel_at_period_end=False
        )
        Subscription.objects.filter(pk__in=preview.data["billed_ids"]).update(stripe_stop_pending=True)
        billed = preview.data["billed_ids"]
        if billed:
            transaction.on_commit(lambda: _stop_renewals(billed))
        return preview.report


def _stop_renewals(subscription_ids) -> None:
    """Stop renewals at Stripe once our record says the subscriptions ended. If the broker is down,
    the reconcile job retries every subscription still marked stripe_stop_pending."""
    for subscription_id in subscription_ids:
        try:
            stop_renewal_at_stripe.delay(subscription_id)
        except Exception:
            log.exception("could not enqueue the Stripe cancellation of subscription %s", subscription_id)
