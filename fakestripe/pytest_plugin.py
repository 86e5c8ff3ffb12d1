"""Pytest fixtures for the fake Stripe server.

- `fake_stripe_server` (session): one server on an ephemeral 127.0.0.1 port for the whole run.
- `stripe_sdk` (function): a `stripe.StripeClient` talking to it, for changes made at Stripe directly.
- `fake_stripe` (function): that server with its state and switches reset, and Django settings pointed at
  it: STRIPE_API_BASE = its address, STRIPE_WEBHOOK_SECRET = its secret, STRIPE_MAX_NETWORK_RETRIES = 0
  (the SDK would otherwise sleep between retries; a test that wants SDK retries sets it back).

The guard: a test fails when any request it made was refused by the fake's parameter validation (the
app sent something Stripe would refuse), or when the fake answered with a field the pinned API version
does not have. A test that sends bad parameters on purpose says so with `@pytest.mark.stripe_rejects`.
"""

import pytest
import stripe

from fakestripe.server import FakeStripe

WEBHOOK_SECRET = "whsec_fakestripe_tests"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "stripe_rejects: the test sends parameters the fake Stripe refuses, on purpose"
    )


@pytest.fixture(scope="session")
def fake_stripe_server():
    fake = FakeStripe(webhook_secret=WEBHOOK_SECRET).start(port=0)
    yield fake
    fake.stop()
    # Requests that arrived outside any test (a worker still busy after its test ended) count too.
    if fake.rejections:
        pytest.fail(f"requests Stripe would refuse, outside any test: {fake.rejections}", pytrace=False)


@pytest.fixture
def fake_stripe(fake_stripe_server, settings, request):
    fake_stripe_server.reset()
    fake_stripe_server.webhook_url = None
    settings.STRIPE_API_BASE = fake_stripe_server.base_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield fake_stripe_server
    rejections = list(fake_stripe_server.rejections)
    shapes = list(fake_stripe_server.shape_errors)
    fake_stripe_server.reset()
    if rejections and request.node.get_closest_marker("stripe_rejects") is None:
        lines = "\n".join(f"  {m} {p}: {code} {param}: {msg}" for m, p, code, param, msg in rejections)
        pytest.fail(f"requests Stripe would refuse:\n{lines}", pytrace=False)
    if shapes:
        pytest.fail(f"the fake sent fields API version {fake_stripe_server.api_version} lacks: {shapes}")


@pytest.fixture
def stripe_sdk(fake_stripe):
    """The SDK pointed at the fake, as support's dashboard or a test would use Stripe directly."""
    return stripe.StripeClient(
        "sk_test_x",
        base_addresses={"api": fake_stripe.base_url},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=2),
    )
