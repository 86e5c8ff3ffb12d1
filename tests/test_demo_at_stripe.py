"""`make run`'s demo accounts exist at the fake Stripe, so their flows go through Stripe end to end:
video@demo cancels and resumes Unlimited, everything@demo's card refund settles by webhook."""

import pytest
from django.core.management import call_command

from accounts.models import Account
from deletion.services import delete_account
from refunds import cards
from refunds.models import Refund
from video import subscriptions as service
from video.models import Subscription, UnsubscribeReason

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(fake_stripe, capsys):
    call_command("seed_demo")
    call_command("seed_demo_stripe")
    assert "placed at Stripe: 4 charges, 3 subscriptions" in capsys.readouterr().out
    return fake_stripe


def test_placing_the_demo_twice_creates_nothing_new(demo, capsys):
    objects = {kind: set(found) for kind, found in demo.objects.items()}
    call_command("seed_demo_stripe")
    assert "placed at Stripe: 0 charges, 0 subscriptions" in capsys.readouterr().out
    assert {kind: set(found) for kind, found in demo.objects.items()} == objects


def test_video_demo_completes_cancellation_and_resumes_at_stripe(demo):
    reason = UnsubscribeReason.objects.get(code="too_expensive")
    account = Account.objects.get(user__email="video@demo.securus.test")
    for sub in Subscription.objects.filter(account=account):
        remote = demo.get("subscriptions", sub.stripe_subscription_id)
        # Paid for before: the first period at Stripe ends when ours does.
        assert remote["items"]["data"][0]["current_period_end"] == int(sub.current_period_end.timestamp())
        cancelled = service.complete_cancellation(
            answer=service.answer_reason(subscription=sub, reason=reason)
        )
        assert cancelled.cancel_at_period_end and remote["cancel_at_period_end"] is True
        assert service.resume(subscription=cancelled).cancel_at_period_end is False
        assert remote["cancel_at_period_end"] is False


def test_everything_demo_refund_settles_by_webhook(demo, client):
    account = Account.objects.get(user__email="everything@demo.securus.test")
    delete_account(account, actor=None, channel="web")
    refund = Refund.objects.get(account=account, method="card")
    # What the worker does after commit.
    cards.submit_card_refund(refund.pk)
    service.stop_pending_renewals()
    refund.refresh_from_db()
    assert refund.status == "submitted" and refund.stripe_refund_id
    assert demo.get("refunds", refund.stripe_refund_id)["charge"] == refund.payment.stripe_charge_id
    body, header = demo.sign(demo.settle_refund(refund.stripe_refund_id))
    response = client.post(
        "/refunds/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    # Its subscription was stopped at Stripe too.
    sub = Subscription.objects.get(account=account)
    assert demo.get("subscriptions", sub.stripe_subscription_id)["status"] == "canceled"
