"""The beat job that ends subscriptions whose paid period is over, even when a webhook was missed."""

import datetime

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from securus.celery import app
from tests.factories import SubscriptionFactory
from video import subscriptions as service
from video.models import Subscription, UnsubscribeAnswer
from video.tasks import reconcile_subscriptions

from .conftest import snapshot

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _cancel(sub, reasons):
    answer = service.answer_reason(subscription=sub, reason=reasons["too_expensive"])
    return service.complete_cancellation(answer=answer)


def test_expired_cancelled_subscription_is_ended_at_its_period_end(fake_stripe, subscribed, reasons):
    sub = _cancel(subscribed, reasons)
    period_end = sub.current_period_end
    with time_machine.travel(period_end - DAY, tick=False):
        assert service.reconcile_expired().ended == 0
    assert snapshot(sub)["status"] == "active"
    with time_machine.travel(period_end + datetime.timedelta(minutes=1), tick=False):
        result = service.reconcile_expired()
    assert result.ended == 1
    sub.refresh_from_db()
    assert (sub.status, sub.ended_at) == ("ended", period_end)
    assert UnsubscribeAnswer.objects.get().outcome == "cancelled"
    # A second run finds nothing to do.
    with time_machine.travel(period_end + DAY, tick=False):
        assert service.reconcile_expired() == service.ReconcileResult()


def test_missed_renewal_webhook_takes_stripes_period(fake_stripe, subscribed):
    old_end = subscribed.current_period_end
    fake_stripe.pay_invoice(subscribed.stripe_subscription_id, paid=True)  # the webhook never arrives
    with time_machine.travel(old_end + DAY, tick=False):
        assert service.reconcile_expired().renewed == 1
    after = snapshot(subscribed)
    assert after["status"] == "active" and after["current_period_end"] == old_end + 30 * DAY


def test_missed_deletion_webhook_ends_it(fake_stripe, subscribed):
    fake_stripe.handle("DELETE", f"/v1/subscriptions/{subscribed.stripe_subscription_id}", {}, None)
    with time_machine.travel(subscribed.current_period_end + DAY, tick=False):
        assert service.reconcile_expired().ended == 1
    assert snapshot(subscribed)["status"] == "ended"


def test_stripe_unreachable_leaves_it_for_the_next_run(fake_stripe, subscribed):
    fake_stripe.fail_next(1, status=500)
    with time_machine.travel(subscribed.current_period_end + DAY, tick=False):
        assert service.reconcile_expired().errors == 1
    assert snapshot(subscribed)["status"] == "active"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_task_runs_on_a_real_worker_in_bounded_batches(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    now = datetime.datetime.now(tz=datetime.UTC)
    expired = [
        SubscriptionFactory(cancel_at_period_end=True, current_period_end=now - i * DAY) for i in range(1, 4)
    ]
    running = SubscriptionFactory(cancel_at_period_end=True, current_period_end=now + DAY)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first = reconcile_subscriptions.delay(limit=2).get(timeout=20)
        second = reconcile_subscriptions.delay(limit=2).get(timeout=20)
    assert (first["ended"], second["ended"]) == (2, 1)
    statuses = dict(Subscription.objects.values_list("pk", "status"))
    assert all(statuses[s.pk] == "ended" for s in expired) and statuses[running.pk] == "active"


def test_a_subscription_stripe_no_longer_has_is_ended_not_retried_forever(fake_stripe, subscribed):
    fake_stripe.objects["subscriptions"].clear()  # deleted at Stripe: every lookup answers 404
    with time_machine.travel(subscribed.current_period_end + DAY, tick=False):
        result = service.reconcile_expired()
    assert (result.ended, result.errors) == (1, 0)
    assert snapshot(subscribed)["status"] == "ended"
