"""Refund-tracking links. The token is a random key kept on the deletion: it carries no id anyone could
read or guess, and it stops working a year after the last refund settled (or a year after a deletion that
owed none), when the page has nothing left to follow."""

import functools
import re
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

LINK_LIFETIME = timedelta(days=365)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}\Z")


def _deletions():
    from .models import deletion_model

    return deletion_model().objects


def tracking_token(deletion_id: int) -> str:
    return _deletions().values_list("tracking_key", flat=True).get(pk=deletion_id)


def deletion_id_from_token(token: str, *, now=None) -> int | None:
    """The deletion id, or None for an unknown, malformed or expired token."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    found = _deletions().filter(tracking_key=token).values_list("pk", "refunds_settled_at").first()
    if found is None:
        return None
    deletion_id, settled_at = found
    if settled_at is not None and (now or timezone.now()) > settled_at + LINK_LIFETIME:
        return None
    return deletion_id


def tracking_path(deletion_id: int, *, token: str = "") -> str:
    """`token`: the deletion's tracking key when the caller holds the deletion (spares a query)."""
    return _track_path_template().replace("TOKEN", token or tracking_token(deletion_id))


@functools.cache
def _track_path_template() -> str:
    # Reversed once: a check run writes thousands of these links. Tokens need no quoting (base64 and ":").
    return reverse("refunds:track", args=["TOKEN"])


def tracking_url(deletion_id: int, *, base_url: str = "", token: str = "") -> str:
    """The absolute tracking link. `base_url` is the site root the person used; SITE_URL otherwise."""
    return (base_url or settings.SITE_URL).rstrip("/") + tracking_path(deletion_id, token=token)
