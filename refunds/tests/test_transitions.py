"""Each transition checks its source state: from any other state it changes nothing (or refuses, when a
person asked), and the sweep and the stuck-work page count the same unsent refunds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from care.stuck import stuck_refunds
from refunds import transitions
from refunds.models import Check, Refund, RefundEvent
from refunds.tests.helpers import make_card_refund, make_check_refund, make_deletion

pytestmark = pytest.mark.django_db


def _state(refund):
    refund.refresh_from_db()
    return refund.status, refund.events.count()


def test_card_transitions_only_leave_their_source_states():
    refund = make_card_refund(deletion=make_deletion(), charge_id="ch_1")
    now = timezone.now()
    assert transitions.claim_for_submission(refund_id=refund.pk, now=now) is True
    assert transitions.claim_for_submission(refund_id=refund.pk, now=now) is False  # already submitted
    transitions.record_submission(refund_id=refund.pk, stripe_refund_id="re_1")
    transitions.release_claim(refund_id=refund.pk)  # Stripe has it: it is not pending again
    assert _state(refund) == ("submitted", 2)
    transitions.mark_succeeded(refund_id=refund.pk)
    transitions.mark_succeeded(refund_id=refund.pk)
    assert _state(refund) == ("succeeded", 3)


def test_a_check_refund_is_never_claimed_for_stripe_nor_replaced_as_a_card():
    refund = make_check_refund(deletion=make_deletion())
    assert transitions.claim_for_submission(refund_id=refund.pk, now=timezone.now()) is False
    assert transitions.replace_with_check(refund_id=refund.pk, reason="declined").pk == refund.pk
    assert transitions.mark_succeeded(refund_id=refund.pk).status == "check_queued"
    assert _state(refund) == ("check_queued", 1)
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("transition", "code"),
    [(transitions.mark_returned, "not_mailed"), (transitions.reissue, "not_reissuable")],
)
def test_a_queued_check_can_be_neither_returned_nor_reissued(transition, code):
    check = make_check_refund(deletion=make_deletion()).check_payment
    extra = {"note": ""} if transition is transitions.mark_returned else {"address": None}
    with pytest.raises(transitions.CheckRefused) as refused:
        transition(check=check, actor=None, channel="admin", call_reference="", now=timezone.now(), **extra)
    assert refused.value.code == code
    assert Check.objects.get().status == "queued" and RefundEvent.objects.count() == 1


def test_sweep_and_stuck_work_count_the_same_unsent_refunds():
    deletion = make_deletion()
    pending = make_card_refund(deletion=deletion, charge_id="ch_1")
    orphaned = make_card_refund(deletion=deletion, charge_id="ch_2")
    answered = make_card_refund(deletion=deletion, charge_id="ch_3")
    long_ago = timezone.now() - timedelta(days=2)
    Refund.objects.filter(pk=orphaned.pk).update(status="submitted")
    Refund.objects.filter(pk=answered.pk).update(status="submitted", stripe_refund_id="re_3")
    Refund.objects.update(created_at=long_ago, updated_at=long_ago)
    unsent = {pending.pk, orphaned.pk}
    assert set(transitions.unsent_card_refunds().values_list("pk", flat=True)) == unsent
    assert set(stuck_refunds(timezone.now()).values_list("pk", flat=True)) == unsent
    swept = transitions.card_refunds_to_sweep(cutoff=timezone.now() - timedelta(minutes=15))
    assert set(swept.values_list("pk", flat=True)) == unsent


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])  # one statement, or the ORM for the demo
def test_a_stripe_id_is_stored_once_with_its_timeline_event(vendor, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", vendor)
    refund = make_card_refund(deletion=make_deletion(), charge_id="ch_1")
    first, stored = transitions.record_submission(refund_id=refund.pk, stripe_refund_id="re_1")
    assert stored and first.stripe_refund_id == "re_1"
    again, stored_again = transitions.record_submission(refund_id=refund.pk, stripe_refund_id="re_2")
    assert not stored_again and again.stripe_refund_id == "re_1"
    refund.refresh_from_db()
    assert refund.stripe_refund_id == "re_1"
    assert [(e.status, e.note) for e in refund.events.all()] == [
        ("pending", ""),
        ("submitted", "Sent to the card issuer (Visa ending in 4242)."),
    ]


def _as_read(refund):
    """What the worker reads of a refund: every column, its charge and its deletion's contact."""
    columns = {f.attname: getattr(refund, f.attname) for f in Refund._meta.concrete_fields}
    deletion = refund.deletion
    return (
        columns,
        refund.payment.stripe_charge_id,
        deletion and (deletion.contact_email, deletion.tracking_key),
    )


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])  # one statement, or the ORM for the demo
def test_the_claim_reads_the_refund_as_it_stands_after_it(vendor, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", vendor)
    refund = make_card_refund(deletion=make_deletion(), charge_id="ch_1")
    now = timezone.now()
    claimed, read = transitions.claim_and_read_for_submission(refund_id=refund.pk, now=now)
    assert claimed and read.status == "submitted" and read.first_sent_at == now and read.updated_at == now
    assert _as_read(read) == _as_read(Refund.objects.get(pk=refund.pk))
    later = now + timedelta(minutes=1)
    claimed, again = transitions.claim_and_read_for_submission(refund_id=refund.pk, now=later)
    assert not claimed and again.status == "submitted" and again.first_sent_at == now  # the first claim's
    assert _as_read(again) == _as_read(read)
    assert read.deletion.holder_name == "Ana Diaz"  # columns not read load on first access
    assert transitions.claim_and_read_for_submission(refund_id=refund.pk + 1000, now=now) == (False, None)


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
@pytest.mark.parametrize("by", ["refund_id", "stripe_refund_id"])
def test_a_card_refund_succeeds_once_with_its_event_and_email(
    vendor, by, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", vendor)
    refund = make_card_refund(deletion=make_deletion(), charge_id="ch_1")
    other = make_card_refund(deletion=make_deletion(email="bo@example.com"), charge_id="ch_2")
    transitions.claim_for_submission(refund_id=refund.pk, now=timezone.now())
    transitions.record_submission(refund_id=refund.pk, stripe_refund_id="re_1")
    mailoutbox.clear()
    which = {"refund_id": refund.pk} if by == "refund_id" else {"stripe_refund_id": "re_1"}
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after commit
        done = transitions.mark_succeeded(**which)
    assert (done.pk, done.status, done.stripe_refund_id) == (refund.pk, "succeeded", "re_1")
    assert _as_read(done) == _as_read(Refund.objects.get(pk=refund.pk))
    with django_capture_on_commit_callbacks(execute=True):  # a second delivery changes nothing
        again = transitions.mark_succeeded(**which)
    assert (again.pk, again.status) == (refund.pk, "succeeded")
    assert transitions.mark_succeeded(stripe_refund_id="re_unknown") is None
    assert _state(refund) == ("succeeded", 3)
    assert refund.events.order_by("pk").last().note == "The card issuer accepted the refund."
    assert _state(other) == ("pending", 1)
    assert [(m.to, m.subject) for m in mailoutbox] == [(["ana@example.com"], "Your card refund is complete")]
    assert "has been completed" in mailoutbox[0].body and refund.deletion.tracking_key in mailoutbox[0].body
