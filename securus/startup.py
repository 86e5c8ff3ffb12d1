"""Checks that stop a server process (web, worker, beat) from starting with development-only settings."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_settings() -> None:
    """Outside DEBUG, refuse the development placeholders and defaults that would leak or forget secrets."""
    if settings.DEBUG:
        return
    # Sessions and refund tracking links are signed with SECRET_KEY.
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable to a long random string: the site, the worker and "
            "beat do not start without it unless DEBUG is true."
        )
    # A placeholder key would let anyone who reads the code test emails against the retired list.
    if settings.RETIRED_EMAIL_KEY == settings.INSECURE_RETIRED_EMAIL_KEY:
        raise ImproperlyConfigured(
            "Set the RETIRED_EMAIL_KEY environment variable to a long random string, and keep it: it is "
            "what recognises the emails of deleted accounts. Not needed when DEBUG is true."
        )
    # Password-reset links and refund tracking links would be printed into the logs.
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        raise ImproperlyConfigured(
            "EMAIL_URL is the console backend, which writes password-reset and tracking links into the "
            "logs: set EMAIL_URL to your SMTP server (smtp+tls://user:password@host:587)."
        )
