"""The `messaging` section of a scenario file: the stamps the account holds."""

from datetime import datetime

from securus.scenario_fields import ScenarioError, obj

from .models import StampEntry


class MessagingSection:
    key = "messaging"

    def parse(self, value, path, *, now) -> int:
        value = obj(value, path, optional=("stamps",))
        stamps = value.get("stamps", 0)
        if isinstance(stamps, bool) or not isinstance(stamps, int) or stamps < 0:
            raise ScenarioError(f"{path}.stamps", f"must be a whole number of stamps, not {stamps!r}")
        return stamps

    def moments(self, stamps: int) -> list[datetime]:
        return []

    def write(self, account, stamps: int, *, now, opened) -> None:
        if stamps:
            StampEntry.objects.create(
                account=account, created_at=now, kind=StampEntry.Kind.PURCHASE, stamps=stamps
            )
