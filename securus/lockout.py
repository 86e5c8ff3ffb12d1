"""Sign-in lockout (django-axes) for the family sign-in page, the admin and the Delete Account password
confirm alike: each passes the request to authenticate().

Failures are counted per canonical email (the form every email is compared in) and per client address,
so "Card@", " card@" and "CARD@" share one count, and two families behind the same proxy do not."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings

from securus.email_address import canonical_email


class LockoutBackend(AxesStandaloneBackend):
    """Axes refuses an authenticate() call without a request. The only callers without one are trusted
    code paths (management commands, the test client's login()), which never face a guessing attacker;
    they fall through to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the canonical email of the sign-in attempt."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        raw = credentials.get(field)
    else:
        raw = getattr(request, "POST", {}).get(field, "") if request is not None else ""
    # A NUL or an absurd length is no email: count it all the same, under a bounded name.
    return canonical_email(str(raw or "")).replace("\x00", "")[:254]


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address of the client, not of our own proxy.

    With TRUSTED_PROXY_COUNT proxies in front (each appends the address it received from to
    X-Forwarded-For), the client is the entry that the outermost trusted proxy added, counted from the
    right; entries further left were written by the client and are ignored, so they cannot be forged to
    dodge the count. Without trusted proxies, or with fewer entries than proxies, REMOTE_ADDR."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count][:45]  # the longest IPv6 text form
