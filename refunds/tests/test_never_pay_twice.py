"""A family is paid once: not twice to the card, not to the card and by check. Real SDK, fake Stripe."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from refunds import cards
from refunds.models import Check, Refund
from refunds.tracking import tracking_path

from .helpers import make_card_refund, make_deletion, one_refund_per_allocation

pytestmark = pytest.mark.django_db
URL = "/refunds/stripe/webhook/"


@pytest.fixture
def sdk(stripe_sdk):
    return stripe_sdk


@pytest.fixture
def charge(fake_stripe):
    return fake_stripe.add_charge(amount=2500)


@pytest.fixture
def card_refund(charge):
    return make_card_refund(deletion=make_deletion(), charge_id=charge["id"], amount_cents=2000)


def deliver(client, fake, event):
    body, header = fake.sign(event)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def snapshot(refund):
    refund.refresh_from_db()
    return (refund.status, refund.stripe_refund_id, refund.replaced_by_id, refund.failure_reason)


def test_a_key_resent_after_25_hours_does_not_refund_again(fake_stripe, card_refund, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    fake_stripe.timeout_next(seconds=2)  # Stripe makes the refund; we never hear back
    with pytest.raises(cards.gateway.Unreachable):
        cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "pending" and card_refund.stripe_refund_id == ""
    assert len(fake_stripe.refunds) == 1
    # Stripe forgets the key after 24 hours: the same request would now be a second refund.
    fake_stripe.advance(hours=25)
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert len(fake_stripe.refunds) == 1
    assert card_refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    assert card_refund.status == "submitted"
    one_refund_per_allocation(fake_stripe, [card_refund])


def test_a_refund_failing_after_success_becomes_a_check_to_the_kept_address(client, fake_stripe, card_refund):
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert (
        deliver(client, fake_stripe, fake_stripe.settle_refund(card_refund.stripe_refund_id)).status_code
        == 200
    )
    card_refund.refresh_from_db()
    assert card_refund.status == "succeeded"
    # Weeks later the issuer sends the money back (closed card).
    failed = fake_stripe.settle_refund(card_refund.stripe_refund_id, "failed", "expired_or_canceled_card")
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        assert deliver(client, fake_stripe, failed).status_code == 200
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced"
    check = Check.objects.get(refund=card_refund.replaced_by)
    assert check.amount_cents == 2000
    assert (check.payee, check.line1, check.city, check.state, check.zip_code) == (
        "Ana Diaz",
        "12 Oak St",
        "Dallas",
        "TX",
        "75201",
    )


def test_a_webhook_with_forged_metadata_changes_nothing(client, fake_stripe, sdk, card_refund):
    cards.submit_card_refund(card_refund.pk)
    before = snapshot(card_refund)
    # A refund made elsewhere (another charge) that carries our refund's id in its metadata.
    other = fake_stripe.add_charge(amount=900)
    forged = sdk.v1.refunds.create({"charge": other["id"], "metadata": {"refund_id": str(card_refund.pk)}})
    event = fake_stripe.settle_refund(forged.id, "failed", "unknown")
    assert deliver(client, fake_stripe, event).status_code == 200
    assert snapshot(card_refund) == before
    assert not Check.objects.exists() and Refund.objects.count() == 1


def test_forged_metadata_for_a_refund_not_yet_recorded_changes_nothing(client, fake_stripe, sdk, card_refund):
    before = snapshot(card_refund)  # pending: our worker has not sent it yet
    other = fake_stripe.add_charge(amount=900)
    forged = sdk.v1.refunds.create({"charge": other["id"], "metadata": {"refund_id": str(card_refund.pk)}})
    assert deliver(client, fake_stripe, fake_stripe.settle_refund(forged.id)).status_code == 200
    assert snapshot(card_refund) == before


def test_our_refund_reported_before_the_worker_recorded_it_is_confirmed_with_stripe(
    client, fake_stripe, sdk, card_refund, charge
):
    # The worker's create reached Stripe, the webhook comes before the worker stored the answer.
    ours = sdk.v1.refunds.create(
        {"charge": charge["id"], "amount": 2000, "metadata": {"refund_id": str(card_refund.pk)}}
    )
    assert deliver(client, fake_stripe, fake_stripe.settle_refund(ours.id)).status_code == 200
    card_refund.refresh_from_db()
    assert card_refund.stripe_refund_id == ours.id and card_refund.status == "succeeded"


def test_a_refund_pending_a_day_without_webhook_is_settled_by_the_lookup(fake_stripe, charge):
    deletion = make_deletion()
    settles = make_card_refund(deletion=deletion, charge_id=charge["id"], amount_cents=1000)
    fails = make_card_refund(
        deletion=deletion, charge_id=fake_stripe.add_charge(amount=800)["id"], amount_cents=800
    )
    stays = make_card_refund(
        deletion=deletion, charge_id=fake_stripe.add_charge(amount=700)["id"], amount_cents=700
    )
    for refund in (settles, fails, stays):
        cards.submit_card_refund(refund.pk)
        refund.refresh_from_db()
    fake_stripe.settle_refund(settles.stripe_refund_id)  # no webhook_url: nobody tells us
    fake_stripe.settle_refund(fails.stripe_refund_id, "failed", "lost_or_stolen_card")
    assert cards.settle_unheard(now=timezone.now() + timedelta(hours=23)) == []
    changed = cards.settle_unheard(now=timezone.now() + timedelta(hours=25))
    assert sorted(changed) == sorted([settles.pk, fails.pk])
    assert [snapshot(r)[0] for r in (settles, fails, stays)] == ["succeeded", "replaced", "submitted"]
    assert "lost or stolen" in fails.failure_reason
    # The beat task runs the same lookup.
    from refunds.tasks import settle_unheard_card_refunds

    fake_stripe.settle_refund(stays.stripe_refund_id)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert settle_unheard_card_refunds.apply(kwargs={"limit": 10}).get() == 1
    assert snapshot(stays)[0] == "succeeded"


def test_a_charge_already_refunded_outside_the_app_gets_no_check(fake_stripe, sdk, card_refund, charge):
    # Support refunded the whole charge in Stripe's dashboard before our refund went out.
    outside = sdk.v1.refunds.create({"charge": charge["id"]})
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert not Check.objects.exists()
    assert card_refund.replaced_by_id is None and card_refund.status == "submitted"
    assert card_refund.stripe_refund_id == outside.id
    assert len(fake_stripe.refunds) == 1
    fake_stripe.settle_refund(outside.id)
    cards.settle_unheard(now=timezone.now() + timedelta(days=2))
    card_refund.refresh_from_db()
    assert card_refund.status == "succeeded"


def test_a_charge_partly_refunded_outside_the_app_gets_a_check_for_the_rest_only(
    client, fake_stripe, sdk, card_refund, charge
):
    # Support gave back $10.00 of the $25.00 charge in Stripe's dashboard: our $20.00 no longer fits.
    outside = sdk.v1.refunds.create({"charge": charge["id"], "amount": 1000})
    fake_stripe.settle_refund(outside.id)
    check_refund = cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced" and card_refund.replaced_by_id == check_refund.pk
    assert "$10.00 of it had already gone back" in card_refund.failure_reason
    assert (check_refund.method, check_refund.amount_cents) == ("check", 1000)
    assert Check.objects.get(refund=check_refund).amount_cents == 1000
    back = Refund.objects.get(stripe_refund_id=outside.id)
    assert (back.method, back.amount_cents, back.status) == ("card", 1000, "succeeded")
    assert (back.deletion_id, back.payment_id) == (card_refund.deletion_id, card_refund.payment_id)
    # The family is owed the allocation once: $10.00 on the card, $10.00 by check, and no second refund.
    owed = Refund.objects.filter(deletion=card_refund.deletion).exclude(status="replaced")
    assert sum(r.amount_cents for r in owed) == card_refund.amount_cents
    assert len(fake_stripe.refunds) == 1
    # The tracking page shows both parts and says why the check is for less.
    page = client.get(tracking_path(card_refund.deletion_id)).content.decode()
    assert "$10.00 of it had already gone back to your card" in page
    assert "the other $10.00 comes by mailed check" in page
    # Sent again (a retried task), nothing more is written or paid.
    cards.submit_card_refund(card_refund.pk)
    assert Refund.objects.filter(deletion=card_refund.deletion).count() == 3
    assert Check.objects.count() == 1 and len(fake_stripe.refunds) == 1


def test_our_own_earlier_refund_counts_when_stripe_says_the_charge_has_no_room(
    fake_stripe, sdk, card_refund, charge
):
    # An earlier send made the refund, and its answer never reached our row (and its key has expired).
    ours = sdk.v1.refunds.create(
        {"charge": charge["id"], "amount": 2000, "metadata": {"refund_id": str(card_refund.pk)}}
    )
    sdk.v1.refunds.create({"charge": charge["id"], "amount": 500})  # the rest, refunded outside
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.stripe_refund_id == ours.id and not Check.objects.exists()


def test_a_charge_with_no_room_and_nothing_returned_for_it_becomes_a_check(
    fake_stripe, sdk, card_refund, charge
):
    # Another of our own allocations took the room: nothing went back for this one, so it is owed by check.
    other = Refund.objects.create(
        account=card_refund.account,
        amount_cents=1000,
        method="card",
        payment=card_refund.payment,
        expected_from=card_refund.expected_from,
        expected_to=card_refund.expected_to,
        idempotency_key="inactive-refund-1",
    )
    cards.submit_card_refund(other.pk)
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced"
    assert Check.objects.get(refund=card_refund.replaced_by).amount_cents == 2000


def test_a_disputed_charge_becomes_a_check(fake_stripe, card_refund, charge):
    fake_stripe.dispute(charge["id"])
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced" and "dispute" in card_refund.failure_reason


@pytest.mark.parametrize(
    "obj",
    [
        {"object": "refund", "status": "succeeded"},  # no id
        {"id": "re_1", "object": "refund", "status": "failed", "metadata": {"refund_id": "abc"}},
    ],
)
def test_malformed_signed_webhooks_answer_400_and_are_logged(client, fake_stripe, card_refund, obj, caplog):
    before = snapshot(card_refund)
    event, body, header = fake_stripe.build_event("refund.failed", obj)
    response = client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert "malformed" in caplog.text
    assert snapshot(card_refund) == before
    fake_stripe.shape_errors.clear()


def test_a_canceled_refund_becomes_a_check(client, fake_stripe, card_refund):
    cards.submit_card_refund(card_refund.pk)
    card_refund.refresh_from_db()
    assert (
        deliver(
            client, fake_stripe, fake_stripe.settle_refund(card_refund.stripe_refund_id, "canceled")
        ).status_code
        == 200
    )
    card_refund.refresh_from_db()
    assert card_refund.status == "replaced" and "canceled" in card_refund.failure_reason
    assert Check.objects.get(refund=card_refund.replaced_by).line1 == "12 Oak St"
