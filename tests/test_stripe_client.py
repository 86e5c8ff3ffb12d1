"""The one Stripe client reads the proxy settings from the environment when it is built, not at every
call: the SDK's HTTP library would otherwise scan every environment variable (and look for ~/.netrc)
on each request."""

import pytest

from securus import stripe as gateway
from securus.stripe import _RequestsClient


def test_the_proxy_for_stripe_comes_from_the_environment_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert _RequestsClient(timeout=1, api_base="https://api.stripe.com")._proxy == {
        "http": "http://proxy.example:3128",
        "https": "http://proxy.example:3128",
    }
    assert _RequestsClient(timeout=1, api_base="http://127.0.0.1:12111")._proxy is None


@pytest.mark.django_db
def test_calls_do_not_read_the_environment_again(fake_stripe, monkeypatch):
    gateway._client.cache_clear()
    assert gateway.client().v1.charges.retrieve(fake_stripe.add_charge(amount=100)["id"]).amount == 100
    # A proxy appearing in the environment later is not picked up by the client already built.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert gateway.client().v1.charges.retrieve(fake_stripe.add_charge(amount=200)["id"]).amount == 200
