"""Checks that stop a server process (web, worker, beat) from starting with development-only settings."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_real_secret_key() -> None:
    """Sessions and refund tracking links are signed with SECRET_KEY: never serve with the placeholder."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable to a long random string: the site, the worker and "
            "beat do not start without it unless DEBUG is true."
        )
