import importlib

import pytest
from django.apps import apps as django_apps

from tests.factories import PASSWORD, AccountFactory, FacilityFactory
from video import subscriptions as service
from video.models import Subscription, UnsubscribeReason

_reasons_migration = importlib.import_module("video.migrations.0003_unsubscribe_reasons")


@pytest.fixture
def reasons(db):
    # Present after migrate; recreated here because transactional tests flush data-migration rows.
    _reasons_migration.add_reasons(django_apps, None)
    return {r.code: r for r in UnsubscribeReason.objects.all()}


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def member(client, account):
    client.login(username=account.user.email, password=PASSWORD)
    return client


@pytest.fixture
def subscribed(fake_stripe, account):
    """A real subscription on the fake Stripe server, made through the service the page uses."""
    return service.subscribe(
        account=account,
        facility=FacilityFactory(name="Dallas County Jail"),
        payment_method="tok_visa",
        actor=account.user,
    )


def snapshot(sub: Subscription) -> dict:
    sub.refresh_from_db()
    return {
        f: getattr(sub, f) for f in ("status", "current_period_end", "cancel_at_period_end", "canceled_at")
    }
