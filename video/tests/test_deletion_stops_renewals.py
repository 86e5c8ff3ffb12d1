"""Account deletion ends Unlimited subscriptions in our records and at Stripe, so the card is never
charged again, even when the task that tells Stripe was never delivered."""

import pytest

from deletion.services import delete_account
from tests.factories import AccountFactory, FacilityFactory
from video import subscriptions as service
from video.models import Subscription
from video.tasks import reconcile_subscriptions, stop_renewal_at_stripe


@pytest.fixture
def subscribed(db, fake_stripe):
    account = AccountFactory()
    facility = FacilityFactory(name="Tarrant County Corrections Center")
    sub = service.subscribe(account=account, facility=facility, payment_method="tok_visa", actor=account.user)
    return account, sub


def test_deletion_cancels_the_stripe_subscription(subscribed, fake_stripe):
    account, sub = subscribed
    delete_account(account, actor=None, channel="web")
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ENDED and sub.stripe_stop_pending
    # In a test transaction on_commit never fires: this is the "message lost" case the sweep covers.
    assert fake_stripe.get("subscriptions", sub.stripe_subscription_id)["status"] == "active"

    result = reconcile_subscriptions.apply().get()

    assert result["stopped_at_stripe"] == 1
    assert fake_stripe.get("subscriptions", sub.stripe_subscription_id)["status"] == "canceled"
    sub.refresh_from_db()
    assert not sub.stripe_stop_pending
    assert stop_renewal_at_stripe.apply(args=[sub.pk]).get() is False  # repeating changes nothing


def test_stripe_unreachable_leaves_it_pending_for_the_next_run(subscribed, fake_stripe):
    account, sub = subscribed
    delete_account(account, actor=None, channel="web")
    fake_stripe.fail_next(count=5, status=500)
    assert reconcile_subscriptions.apply().get()["stopped_at_stripe"] == 0
    sub.refresh_from_db()
    assert sub.stripe_stop_pending
    assert fake_stripe.get("subscriptions", sub.stripe_subscription_id)["status"] == "active"


def test_a_subscription_stripe_no_longer_has_counts_as_stopped(subscribed, fake_stripe):
    account, sub = subscribed
    delete_account(account, actor=None, channel="web")
    fake_stripe.objects["subscriptions"].clear()  # 404 at Stripe: nothing is left to charge the card
    assert reconcile_subscriptions.apply().get()["stopped_at_stripe"] == 1
    sub.refresh_from_db()
    assert not sub.stripe_stop_pending


def test_the_closer_enqueues_the_registered_task_by_its_name():
    from securus.celery import app
    from video.closing import STOP_RENEWAL_AT_STRIPE

    assert STOP_RENEWAL_AT_STRIPE == stop_renewal_at_stripe.name and STOP_RENEWAL_AT_STRIPE in app.tasks


def test_only_the_subscriptions_billed_at_stripe_wait_for_it(subscribed):
    account, billed = subscribed
    unbilled = Subscription.objects.create(
        account=account,
        facility=FacilityFactory(name="Dallas County Jail"),
        price_cents=billed.price_cents,
        current_period_end=billed.current_period_end,
    )
    delete_account(account, actor=None, channel="web")
    billed.refresh_from_db()
    unbilled.refresh_from_db()
    assert billed.status == unbilled.status == Subscription.Status.ENDED
    assert billed.ended_at == unbilled.ended_at == billed.canceled_at == unbilled.canceled_at
    assert billed.stripe_stop_pending and not unbilled.stripe_stop_pending
