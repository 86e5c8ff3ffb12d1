"""Submitting card refunds through the gateway to the fake Stripe server (real SDK), and their fallbacks."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from refunds import cards, gateway
from refunds.models import Refund

from .helpers import make_card_refund, make_deletion, one_refund_per_allocation

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_refund(fake_stripe):
    charge = fake_stripe.add_charge(amount=2500)
    return make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2380)


def statuses(refund):
    return [e.status for e in refund.events.all()]


def test_pending_refund_is_submitted_once(fake_stripe, card_refund, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cards.submit_card_refund(card_refund.pk)
        cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "submitted"
    assert card_refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    assert len(fake_stripe.refunds) == 1 and fake_stripe.refunds[0]["amount"] == 2380
    assert fake_stripe.requests[-1][2] == card_refund.idempotency_key
    assert statuses(card_refund) == ["pending", "submitted"]
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "ending in 4242" in mail.outbox[0].body


def test_500_puts_it_back_to_pending_and_the_retry_succeeds(fake_stripe, card_refund):
    fake_stripe.fail_next(1, status=500)
    with pytest.raises(gateway.Unreachable):
        cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "pending" and not card_refund.stripe_refund_id
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "submitted"
    assert len(fake_stripe.refunds) == 1


def test_timeout_then_retry_gets_the_same_stripe_refund(fake_stripe, card_refund, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    fake_stripe.timeout_next(seconds=2)
    with pytest.raises(gateway.Unreachable):
        cards.submit_card_refund(card_refund.pk)
    assert len(fake_stripe.refunds) == 1  # Stripe did it; we did not hear back
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    assert len(fake_stripe.refunds) == 1


def test_crash_after_stripe_answered_then_rerun(fake_stripe, card_refund, monkeypatch):
    class Killed(BaseException):
        pass

    def die(**kwargs):
        raise Killed

    monkeypatch.setattr(cards, "record_submission", die)
    with pytest.raises(Killed):
        cards.submit_card_refund(card_refund.pk)
    monkeypatch.undo()
    card_refund.refresh_from_db()
    assert card_refund.status == "submitted" and card_refund.stripe_refund_id == ""
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    one_refund_per_allocation(fake_stripe, [card_refund])
    assert len(fake_stripe.refunds) == 1


@pytest.mark.parametrize("code", ["expired_card", "lost_card", "stolen_card", "declined"])
def test_permanent_card_error_becomes_a_check(fake_stripe, card_refund, code):
    fake_stripe.fail_next_refund(code)
    check_refund = cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced" and card_refund.replaced_by == check_refund
    assert card_refund.failure_reason
    assert statuses(card_refund) == ["pending", "failed", "replaced"]
    assert check_refund.method == "check" and check_refund.status == "check_queued"
    assert check_refund.amount_cents == 2380
    check = check_refund.check_payment
    assert (check.payee, check.line1, check.city, check.zip_code) == (
        "Ana Diaz",
        "12 Oak St",
        "Dallas",
        "75201",
    )
    assert fake_stripe.refunds == []
    # Running again changes nothing: still one check, no Stripe refund.
    assert cards.submit_card_refund(card_refund.pk).pk == card_refund.pk
    assert Refund.objects.filter(method="check").count() == 1
    one_refund_per_allocation(fake_stripe, [card_refund])


def test_missing_charge_id_becomes_a_check(fake_stripe):
    refund = make_card_refund(deletion=make_deletion(), charge_id="")
    cards.submit_card_refund(refund.pk)
    refund.refresh_from_db()
    assert refund.status == "replaced"
    assert fake_stripe.requests == []


def test_sweep_enqueues_only_stale_pending_refunds(fake_stripe, card_refund, monkeypatch):
    sent = []
    from refunds import tasks

    monkeypatch.setattr(tasks.submit_card_refund, "delay", lambda refund_id: sent.append(refund_id))
    now = timezone.now()
    Refund.objects.filter(pk=card_refund.pk).update(enqueued_at=now - timedelta(minutes=5))
    assert cards.sweep_pending(now=now) == []
    Refund.objects.filter(pk=card_refund.pk).update(enqueued_at=now - timedelta(minutes=16))
    assert cards.sweep_pending(now=now) == [card_refund.pk]
    assert cards.sweep_pending(now=now) == []  # claimed: a second sweep does not enqueue it again
    assert sent == [card_refund.pk]


def test_sweep_picks_up_a_refund_whose_worker_died_after_claiming(fake_stripe, card_refund, monkeypatch):
    from refunds import tasks

    sent = []
    monkeypatch.setattr(tasks.submit_card_refund, "delay", lambda refund_id: sent.append(refund_id))
    old = timezone.now() - timedelta(hours=1)
    Refund.objects.filter(pk=card_refund.pk).update(status="submitted", updated_at=old, enqueued_at=old)
    assert cards.sweep_pending() == [card_refund.pk]


def test_a_card_refund_costs_a_fixed_handful_of_queries(
    client, fake_stripe, card_refund, django_assert_num_queries
):
    # The worker: claim and read the refund with its charge and deletion (one statement), store Stripe's id
    # with its event.
    with django_assert_num_queries(2):
        cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    body, header = fake_stripe.sign(fake_stripe.settle_refund(card_refund.stripe_refund_id))
    # The webhook: is the refund recorded (before the transaction), then in it (a savepoint here, inside
    # the test's transaction): the event id, then the refund's status with its timeline event (one
    # statement).
    with django_assert_num_queries(5):
        response = client.post(
            "/refunds/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
    assert response.content == b"handled"
    card_refund.refresh_from_db()
    assert card_refund.status == "succeeded"
