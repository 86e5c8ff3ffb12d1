"""Signed refund-tracking links: they name a deletion without revealing or allowing a guess of its id."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "refunds.tracking"


def tracking_token(deletion_id: int) -> str:
    return signing.dumps({"d": deletion_id}, salt=_SALT, compress=True)


def deletion_id_from_token(token: str) -> int | None:
    """The deletion id, or None for a forged, altered or malformed token."""
    try:
        return int(signing.loads(token, salt=_SALT)["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def tracking_path(deletion_id: int) -> str:
    return reverse("refunds:track", args=[tracking_token(deletion_id)])


def tracking_url(deletion_id: int, *, base_url: str = "") -> str:
    """The absolute tracking link. `base_url` is the site root the person used; SITE_URL otherwise."""
    return (base_url or settings.SITE_URL).rstrip("/") + tracking_path(deletion_id)
