"""Subscribing through the fake Stripe server; cancelling a scheduled visit from the account page."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, AccountFactory, FacilityFactory, SessionFactory
from video.models import Session, StripeProduct, SubscribeAttempt, Subscription

pytestmark = pytest.mark.django_db


def test_subscribe_creates_customer_card_and_monthly_subscription(member, account, fake_stripe):
    facility = FacilityFactory(name="Tarrant County Corrections Center")
    response = member.post(
        reverse("video:subscribe"), {"facility": facility.pk, "payment_method": "tok_visa"}
    )
    assert response.status_code == 302 and response.url == reverse("deletion:home")
    sub = Subscription.objects.get(account=account)
    remote = fake_stripe.get("subscriptions", sub.stripe_subscription_id)
    customer = fake_stripe.get("customers", sub.stripe_customer_id)
    assert remote["customer"] == customer["id"] and remote["status"] == "active"
    assert customer["invoice_settings"]["default_payment_method"]
    assert remote["items"]["data"][0]["price"]["unit_amount"] == sub.price_cents == 2999
    assert remote["items"]["data"][0]["price"]["recurring"]["interval"] == "month"
    # The period lives on the item in the API version the SDK pins.
    assert "current_period_end" not in remote
    assert sub.current_period_end == datetime.datetime.fromtimestamp(
        remote["items"]["data"][0]["current_period_end"], tz=datetime.UTC
    )
    # Billed under the facility's own Product, created once through the API and stored.
    product = StripeProduct.objects.get(facility=facility)
    assert remote["items"]["data"][0]["price"]["product"] == product.stripe_product_id
    assert fake_stripe.get("products", product.stripe_product_id)["name"].endswith(facility.name)
    page = member.get(reverse("deletion:home")).content.decode()
    assert "Tarrant County Corrections Center" in page and "Unsubscribe" in page and "$29.99 a month" in page


def test_the_facility_product_is_created_once(fake_stripe, reasons):
    from video import subscriptions as service

    facility = FacilityFactory()
    for _ in range(2):
        account = AccountFactory()
        service.subscribe(account=account, facility=facility, payment_method="tok_visa", actor=account.user)
    assert len(fake_stripe.objects["products"]) == 1
    subs = fake_stripe.objects["subscriptions"].values()
    assert {s["items"]["data"][0]["price"]["product"] for s in subs} == set(fake_stripe.objects["products"])


def test_a_declined_card_can_be_retried_with_another_card(member, account, fake_stripe):
    facility = FacilityFactory()
    response = member.post(
        reverse("video:subscribe"), {"facility": facility.pk, "payment_method": "tok_chargeDeclined"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "declined" in page and "could not reach" not in page
    assert not Subscription.objects.exists()
    response = member.post(
        reverse("video:subscribe"), {"facility": facility.pk, "payment_method": "tok_visa"}
    )
    assert response.status_code == 302
    sub = Subscription.objects.get(account=account)
    attempts = list(SubscribeAttempt.objects.order_by("pk"))
    assert [(a.outcome, a.error_code) for a in attempts] == [
        ("failed", "generic_decline"),
        ("subscribed", ""),
    ]
    assert attempts[1].stripe_subscription_id == sub.stripe_subscription_id
    # One customer, reused; each attempt sent its own keys, so Stripe did not replay the decline.
    assert len(fake_stripe.objects["customers"]) == 1
    subscription_keys = [k for m, p, k in fake_stripe.requests if (m, p) == ("POST", "/v1/subscriptions")]
    assert subscription_keys == [f"{a.idempotency_key}-subscription" for a in attempts]
    remote = fake_stripe.get("subscriptions", sub.stripe_subscription_id)
    assert fake_stripe.get("payment_methods", remote["default_payment_method"])["card"]["last4"] == "4242"


def test_a_second_subscription_at_the_same_facility_is_refused(member, subscribed, fake_stripe):
    calls = len(fake_stripe.requests)
    response = member.post(
        reverse("video:subscribe"), {"facility": subscribed.facility_id, "payment_method": "tok_visa"}
    )
    assert response.status_code == 400
    assert Subscription.objects.count() == 1 and len(fake_stripe.requests) == calls


def test_account_cards_show_end_date_and_resume_for_a_cancelled_subscription(member, subscribed, reasons):
    from video import subscriptions as service

    service.complete_cancellation(
        answer=service.answer_reason(subscription=subscribed, reason=reasons["quality"])
    )
    page = member.get(reverse("deletion:home")).content.decode()
    subscribed.refresh_from_db()
    assert f"until <strong>{subscribed.current_period_end.astimezone():%B %-d, %Y}</strong>" in page
    assert "Resume" in page and reverse("video:unsubscribe", args=[subscribed.pk]) not in page


def test_cancel_a_scheduled_visit_before_it_starts(member, account):
    visit = SessionFactory(
        account=account, scheduled_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=2)
    )
    page = member.get(reverse("deletion:home")).content.decode()
    assert visit.inmate.name in page and reverse("video:cancel_session", args=[visit.pk]) in page
    response = member.post(reverse("video:cancel_session", args=[visit.pk]))
    assert response.url == reverse("deletion:home")
    visit.refresh_from_db()
    assert visit.status == Session.Status.CANCELED and visit.status_changed_at is not None
    changed_at = visit.status_changed_at
    member.post(reverse("video:cancel_session", args=[visit.pk]))  # twice: nothing more happens
    visit.refresh_from_db()
    assert visit.status_changed_at == changed_at
    assert (
        reverse("video:cancel_session", args=[visit.pk])
        not in member.get(reverse("deletion:home")).content.decode()
    )


def test_a_visit_that_has_started_cannot_be_cancelled(member, account):
    start = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
    visit = SessionFactory(account=account, scheduled_at=start)
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        member.post(reverse("video:cancel_session", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.status == Session.Status.SCHEDULED


def test_another_persons_visit_is_404(account):
    visit = SessionFactory(account=account)
    stranger = Client()
    stranger.login(username=AccountFactory().user.email, password=PASSWORD)
    assert stranger.post(reverse("video:cancel_session", args=[visit.pk])).status_code == 404
    assert stranger.get(reverse("video:cancel_session", args=[visit.pk])).status_code in (404, 405)
    visit.refresh_from_db()
    assert visit.status == Session.Status.SCHEDULED


def test_cancelling_from_the_delete_preview_returns_there_and_never_offsite(member, account):
    soon = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=2)
    first, second = (
        SessionFactory(account=account, scheduled_at=soon),
        SessionFactory(account=account, scheduled_at=soon),
    )
    back = member.post(reverse("video:cancel_session", args=[first.pk]), {"next": reverse("deletion:delete")})
    assert back.url == reverse("deletion:delete")
    offsite = member.post(
        reverse("video:cancel_session", args=[second.pk]), {"next": "https://evil.example/"}
    )
    assert offsite.url == reverse("deletion:home")


def test_a_subscribe_that_died_after_stripe_made_it_is_adopted_not_made_twice(
    account, fake_stripe, monkeypatch
):
    from video import subscriptions as service

    facility = FacilityFactory()

    class Killed(BaseException):
        pass

    real = service.Subscription.objects.get_or_create

    def die(**kwargs):
        raise Killed

    monkeypatch.setattr(service.Subscription.objects, "get_or_create", die)
    with pytest.raises(Killed):
        service.subscribe(account=account, facility=facility, payment_method="tok_visa", actor=account.user)
    monkeypatch.setattr(service.Subscription.objects, "get_or_create", real)
    assert len(fake_stripe.objects["subscriptions"]) == 1 and not Subscription.objects.exists()
    # The stuck attempt blocks a second press for a while, then no longer.
    with pytest.raises(service.VideoError):
        service.subscribe(account=account, facility=facility, payment_method="tok_visa", actor=account.user)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=11)):
        sub = service.subscribe(
            account=account, facility=facility, payment_method="tok_visa", actor=account.user
        )
    assert len(fake_stripe.objects["subscriptions"]) == 1
    assert sub.stripe_subscription_id == next(iter(fake_stripe.objects["subscriptions"]))
    assert list(SubscribeAttempt.objects.order_by("pk").values_list("outcome", "error_code")) == [
        ("failed", "abandoned"),
        ("subscribed", ""),
    ]
