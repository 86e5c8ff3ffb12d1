"""The one way into Stripe: one configured client, one error hierarchy, webhook verification.

Refunds and VideoConnect both stand on this module. Every Stripe error comes out as one of the classes
below, each with a message that is true for the person reading it:

    StripeFailure
    ├── Unreachable       network error, timeout, 5xx, 429, a concurrent request on the same key: retry later
    ├── CardProblem       the card was declined, expired, lost or stolen: use another card (or a check)
    ├── Refused           Stripe understood and said no for good (charge already refunded, disputed...)
    ├── NotFound          the object is gone at Stripe (404): retrying will not bring it back
    └── NeedsAttention    authentication, permissions, idempotency conflict, a parameter we got wrong:
                          our bug or our configuration, neither retried blindly nor shown as the card's fault
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import stripe as sdk
from django.conf import settings


class StripeFailure(Exception):
    """A Stripe call that did not do what was asked. `message` is safe to show; `code` is Stripe's."""

    message_default = "Our payment processor could not complete this request."

    def __init__(self, message: str = "", code: str = "stripe_error", *, decline_code: str = ""):
        message = message or self.message_default
        super().__init__(message)
        self.message = message
        self.code = code
        self.decline_code = decline_code


class Unreachable(StripeFailure):
    message_default = "We could not reach our payment processor. Nothing was changed; please try again."


class CardProblem(StripeFailure):
    message_default = "Your card was declined. Nothing was charged; please use another card."


class Refused(StripeFailure):
    message_default = "Our payment processor refused this request."


class NotFound(StripeFailure):
    message_default = "Our payment processor has no record of this."


class NeedsAttention(StripeFailure):
    message_default = (
        "Our payment processor refused this request because of a problem on our side. Nothing was "
        "changed; our staff have been alerted."
    )


CARD_MESSAGES = {
    "expired_card": "Your card has expired. Nothing was charged; please use another card.",
    "incorrect_cvc": "The card's security code is incorrect. Nothing was charged.",
    "insufficient_funds": "Your card has insufficient funds. Nothing was charged; please use another card.",
    "lost_card": "Your card was declined. Nothing was charged; please use another card.",
    "stolen_card": "Your card was declined. Nothing was charged; please use another card.",
}


def client() -> sdk.StripeClient:
    """The configured client: key, address (the fake in tests and `make run`), retries and timeout. One
    client per configuration, reused: it keeps its HTTP connections open between calls."""
    return _client(
        settings.STRIPE_API_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


class _RequestsClient(sdk.RequestsClient):
    """The SDK's requests client, one requests.Session per thread as before, but each session reads the
    environment once, when the client is built (HTTPS_PROXY / NO_PROXY for the API address), instead of
    scanning every environment variable and looking for ~/.netrc on every call."""

    def __init__(self, *, timeout: float, api_base: str):
        import requests.utils

        proxies = requests.utils.get_environ_proxies(api_base)  # {} when NO_PROXY covers the address
        proxy = proxies.get(urlsplit(api_base).scheme) or proxies.get("all")
        super().__init__(timeout=timeout, proxy=proxy)

    def _request_internal(self, *args, **kwargs):
        if getattr(self._thread_local, "session", None) is None:
            session = self.requests.Session()
            session.trust_env = False
            self._thread_local.session = session
        return super()._request_internal(*args, **kwargs)


@functools.lru_cache(maxsize=8)
def _client(api_key: str, api_base: str, retries: int, timeout: float) -> sdk.StripeClient:
    # The HTTP client keeps one requests.Session per thread, so sharing the client across threads is safe.
    return sdk.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=retries,
        http_client=_RequestsClient(timeout=timeout, api_base=api_base),
    )


def translate(exc: sdk.StripeError) -> StripeFailure:
    """The one mapping from the SDK's errors to ours."""
    code = exc.code or ""
    if isinstance(exc, sdk.APIConnectionError):
        return Unreachable(code="network")
    if isinstance(exc, sdk.RateLimitError) or exc.http_status == 429:
        return Unreachable(code="rate_limit")
    if isinstance(exc, sdk.CardError):
        decline = (getattr(exc.error, "decline_code", None) if exc.error else None) or ""
        return CardProblem(
            CARD_MESSAGES.get(decline) or CARD_MESSAGES.get(code, ""),
            decline or code or "card_declined",
            decline_code=decline,
        )
    if isinstance(exc, sdk.IdempotencyError):
        if code == "idempotency_key_in_use":  # the same key is running right now: try again shortly
            return Unreachable(code=code)
        return NeedsAttention(code="idempotency_error")
    if isinstance(exc, sdk.APIError) or (exc.http_status or 0) >= 500:
        return Unreachable(code="server_error")
    if exc.http_status == 409:  # lock_timeout on a busy object
        return Unreachable(code=code or "lock_timeout")
    if exc.http_status == 404 or code == "resource_missing":
        return NotFound(code=code or "resource_missing")
    if isinstance(exc, sdk.AuthenticationError | sdk.PermissionError):
        return NeedsAttention(code=code or type(exc).__name__)
    if isinstance(exc, sdk.InvalidRequestError) and code and not code.startswith("parameter_"):
        return Refused(str(exc.user_message or ""), code)
    return NeedsAttention(code=code or type(exc).__name__)


def construct_event(*, payload: bytes, signature: str) -> sdk.Event:
    """The verified webhook event; raises ValueError or stripe.SignatureVerificationError otherwise."""
    return sdk.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
