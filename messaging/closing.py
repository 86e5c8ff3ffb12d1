"""eMessaging closer: remaining stamps are forfeited (a ledger row), never refunded."""

from dataclasses import dataclass

from django.db.models import BigIntegerField, DateTimeField, F, IntegerField, OuterRef, Value

from accounts.models import Account
from securus.closer_types import ServicePreview
from securus.compiled import CompiledInsert, CompiledValues, Param, sum_of

from .models import StampEntry

# Compiled once per process (securus.compiled): the preview runs on the page and again at deletion.
# NULL when the account never had a stamp entry.
_STAMPS = CompiledValues(
    lambda: Account.objects.filter(pk=Param("account", BigIntegerField())).values(
        total=sum_of(StampEntry.objects.filter(account=OuterRef("pk")), "stamps")
    )
)


@dataclass(frozen=True)
class MessagingData:
    stamps: int


class MessagingCloser:
    service = "messaging"
    title = "eMessaging"

    def preview(self, account, *, now) -> ServicePreview[MessagingData] | None:
        (summary,) = _STAMPS.rows(account=account.pk)
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
            data=MessagingData(stamps=stamps),
        )

    def close(self, account, deletion, preview: ServicePreview[MessagingData], *, now) -> dict:
        if preview.data.stamps:
            _FORFEIT.run(account=account.pk, now=now, stamps=-preview.data.stamps)
        return preview.report

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says, from the outcome recorded at deletion."""
        stamps = int(outcome.get("stamps_forfeited") or 0)
        if not stamps:
            return ["Your eMessaging account is closed. There were no stamps left."]
        return [
            f"Your eMessaging account is closed. {stamps} unused stamp{'s' if stamps != 1 else ''} cannot be refunded."
        ]


# Compiled once per process (securus.compiled). One row: the account's own, selected by its id, carries
# the entry's values (every field of StampEntry).
_FORFEIT = CompiledInsert(
    StampEntry,
    lambda: Account.objects.filter(pk=Param("account", BigIntegerField())),
    lambda: {
        "account_id": F("pk"),
        "created_at": Param("now", DateTimeField()),
        "kind": Value(StampEntry.Kind.FORFEITED.value),
        "stamps": Param("stamps", IntegerField()),
    },
)
