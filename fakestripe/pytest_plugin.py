"""Pytest fixtures for the fake Stripe server.

- `fake_stripe_server` (session): one server on an ephemeral 127.0.0.1 port for the whole run.
- `fake_stripe` (function): that server with its state and switches reset, and Django settings pointed at
  it: STRIPE_API_BASE = its address, STRIPE_WEBHOOK_SECRET = its secret, STRIPE_MAX_NETWORK_RETRIES = 0
  (the SDK would otherwise sleep between retries; a test that wants SDK retries sets it back).
"""

import pytest

from fakestripe.server import FakeStripe

WEBHOOK_SECRET = "whsec_fakestripe_tests"


@pytest.fixture(scope="session")
def fake_stripe_server():
    fake = FakeStripe(webhook_secret=WEBHOOK_SECRET).start(port=0)
    yield fake
    fake.stop()


@pytest.fixture
def fake_stripe(fake_stripe_server, settings):
    fake_stripe_server.reset()
    fake_stripe_server.webhook_url = None
    settings.STRIPE_API_BASE = fake_stripe_server.base_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield fake_stripe_server
    fake_stripe_server.reset()
