"""eMessaging closer: remaining stamps are forfeited (a ledger row), never refunded."""

from django.db.models import Sum

from accounts.closers import ServicePreview

from .models import StampEntry


class MessagingCloser:
    service = "messaging"
    title = "eMessaging"

    def preview(self, account, *, now) -> ServicePreview | None:
        summary = StampEntry.objects.filter(account=account).aggregate(total=Sum("stamps"))
        if summary["total"] is None:
            return None
        stamps = max(summary["total"], 0)
        plural = "stamp" if stamps == 1 else "stamps"
        return ServicePreview(
            service=self.service,
            title=self.title,
            headline=f"{stamps} unused {plural} will be forfeited."
            if stamps
            else "Will be closed. No stamps left.",
            details=["Stamps cannot be refunded or moved to another account."] if stamps else [],
            report={"stamps_forfeited": stamps},
            data={"stamps": stamps},
        )

    def close(self, account, deletion, preview: ServicePreview, *, now) -> dict:
        if preview.data["stamps"]:
            StampEntry.objects.create(
                account=account,
                created_at=now,
                kind=StampEntry.Kind.FORFEITED,
                stamps=-preview.data["stamps"],
            )
        return preview.report
