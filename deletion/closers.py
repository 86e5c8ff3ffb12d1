"""The closer protocol and the registry of closers, in the order deletion runs them.

Each service app has one closer (`<app>/closing.py`). It does not import this module: it matches the
protocol by shape, and returns the shared types of `securus.closer_types` carrying its own typed data.
The order matters: the last day's calls are posted before the prepaid refund is computed."""

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from django.core import checks
from django.utils.module_loading import import_string

from securus.closer_types import ServicePreview

from .models import ServiceClosure

ACCOUNT_CLOSERS = [
    "prepaid.closing.PrepaidCloser",
    "directbill.closing.DirectBillCloser",
    "debit.closing.DebitCloser",
    "messaging.closing.MessagingCloser",
    "video.closing.VideoCloser",
]


@runtime_checkable
class Closer(Protocol):
    service: str  # one of ServiceClosure.Service
    title: str

    def preview(self, account, *, now: datetime) -> ServicePreview[Any] | None:
        """What deleting would do to this service, or None when the account never used it. Reads only."""

    def close(self, account, deletion, preview: ServicePreview[Any], *, now: datetime) -> dict:
        """Carry out exactly `preview` inside the deletion's transaction; return the report to record."""

    def receipt_lines(self, outcome: dict) -> list[str]:
        """What the receipt says about this service, from the report `close()` recorded."""


def closers() -> list[Closer]:
    return [import_string(path)() for path in ACCOUNT_CLOSERS]


@checks.register()
def check_closers(app_configs=None, **kwargs):
    """Start-up fails when a service has no closer, a closer no service, or a closer misses the protocol."""
    errors = []
    registered = closers()
    for closer in registered:
        if not isinstance(closer, Closer):
            errors.append(
                checks.Error(
                    f"{type(closer).__name__} does not follow the closer protocol.", id="deletion.E001"
                )
            )
    services = [getattr(closer, "service", None) for closer in registered]
    choices = list(ServiceClosure.Service.values)
    if sorted(services, key=str) != sorted(choices) or len(set(services)) != len(services):
        errors.append(
            checks.Error(
                f"Closers cover {services}, ServiceClosure.Service has {choices}: each service needs one closer.",
                id="deletion.E002",
            )
        )
    return errors
