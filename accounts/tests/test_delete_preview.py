"""Delete Account step 1 shows every service's outcome, the refund route and dates, and asks for the
mailing address to be confirmed before a check can be promised."""

import datetime
import re

from django.urls import reverse

from accounts.models import Address
from deletion.models import AccountDeletion
from deletion.services import plan_deletion
from video.models import Subscription

from .conftest import PASSWORD, make_account, signed_in
from .helpers import fingerprint_of

EVERYTHING = {
    "prepaid": {
        "payments": [{"at": "-10d", "amount": "40.00", "method": "western_union"}],
        "calls": [{"at": "-2h", "number": "+12145550100", "charge": "2.50", "posted": False}],
    },
    "directbill": {"charges": [{"at": "-2d", "amount": "3.10", "billed": False}]},
    "debit": {
        "inmate": "John Roe",
        "facility": "Dallas County Jail",
        "deposits": [{"at": "-9d", "amount": "50.00"}],
    },
    "video": {
        "sessions": [{"facility": "Dallas County Jail", "inmate": "John Roe", "at": "+2d", "price": "7.99"}]
    },
}


def test_card_route_and_dates(card_account, client_for):
    html = client_for.get(reverse("deletion:delete")).content.decode()
    assert "$23.80" in html and "Visa ending in 4242" in html
    # Thursday Nov 26, 2026 is Thanksgiving: 2-3 business days later is Mon Nov 30 to Tue Dec 1.
    assert "Monday, November 30" in html and "Tuesday, December 1, 2026" in html
    assert "$1.20" in html  # the last-24-hours deduction
    assert "can never open a new Securus Online account" in html
    assert 'id="delete-form"' in html


def test_check_route_waits_for_a_confirmed_address(db, frozen):
    account = make_account(prepaid=EVERYTHING["prepaid"], account={"address_verified": False})
    client = signed_in(account)
    html = client.get(reverse("deletion:delete")).content.decode()
    assert "$37.50" in html and "paper check" in html and "12 OAK ST" in html
    assert 'id="delete-form"' not in html  # cannot continue before confirming
    # Posting the confirm anyway is refused by the orchestrator, and says why.
    refused = client.post(
        reverse("deletion:delete_confirm"),
        {"password": PASSWORD, "understand": "on", "fingerprint": plan_deletion(account).fingerprint},
        follow=True,
    )
    assert "please confirm your mailing address first" in refused.content.decode()
    assert not AccountDeletion.objects.exists()

    shown = re.search(r'name="shown" value="([^"]+)"', html)[1]
    client.post(reverse("deletion:delete"), {"confirm": "on", "shown": shown})
    assert Address.objects.get(account=account).verified_at is not None
    html = client.get(reverse("deletion:delete")).content.decode()
    assert 'id="delete-form"' in html


def test_an_old_confirmation_must_be_renewed(db, frozen):
    account = make_account(prepaid=EVERYTHING["prepaid"])
    Address.objects.filter(account=account).update(
        verified_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    )
    html = signed_in(account).get(reverse("deletion:delete")).content.decode()
    assert "Confirm address" in html and 'id="delete-form"' not in html


def test_confirming_an_address_that_changed_meanwhile_confirms_nothing(db, frozen):
    account = make_account(prepaid=EVERYTHING["prepaid"], account={"address_verified": False})
    client = signed_in(account)
    response = client.post(
        reverse("deletion:delete"), {"confirm": "on", "shown": "1 OTHER RD, DALLAS, TX 75201"}
    )
    assert response.status_code == 302
    assert Address.objects.get(account=account).verified_at is None


def test_every_service_is_explained(db, frozen):
    account = make_account(**{k: v for k, v in EVERYTHING.items()})
    html = signed_in(account).get(reverse("deletion:delete")).content.decode()
    assert "Direct Bill" in html and "due 20 days after its date" in html
    # What may still be billed, and where the final statement goes.
    assert "may still be billed: $3.10 so far" in html
    assert f"final statement will be emailed to {account.user.email}" in html
    assert "$50.00" in html and "stays in their account" in html  # debit deposits stay
    assert "12 unused stamps will be forfeited" in html
    assert "Cancel visit" in html and "John Roe" in html
    session_id = re.search(r'data-session="(\d+)"', html)[1]
    assert reverse("video:cancel_session", args=[session_id]) in html


def test_changed_account_shows_the_new_preview(card_account, client_for):
    stale = fingerprint_of(client_for)
    from tests.factories import StampEntryFactory

    StampEntryFactory(account=card_account, stamps=5)  # something changed after the page was read
    response = client_for.post(
        reverse("deletion:delete_confirm"), {"password": PASSWORD, "understand": "on", "fingerprint": stale}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Your account changed while you were reading" in html
    assert "17 unused stamps will be forfeited" in html
    assert not AccountDeletion.objects.exists()


def test_video_preview_lists_the_first_visits_soonest_first_and_counts_them_all(db, frozen):
    sessions = [
        {"facility": "Dallas County Jail", "inmate": f"Person {n:02d}", "at": f"+{30 - n}d", "price": "7.99"}
        for n in range(25)
    ]
    sessions.append(
        {"facility": "Dallas County Jail", "inmate": "Cancelled", "at": "+1d", "status": "cancelled"}
    )
    subscriptions = [
        {
            "facility": "Dallas County Jail",
            "price": "19.99",
            "period_end": "+20d",
            "stripe_subscription_id": "sub_1",
        },
        {"facility": "Fort Worth Jail", "price": "24.99", "period_end": "+20d"},
    ]
    account = make_account(video={"sessions": sessions, "subscriptions": subscriptions})
    video = plan_deletion(account).service("video")
    assert video.report == {"sessions_voided": 25, "subscriptions_cancelled": 2}
    assert "25 scheduled video sessions are voided" in video.warnings[0]
    listed = video.data.sessions
    # The 20 soonest of the 25 scheduled, never the cancelled one.
    assert [s["inmate_name"] for s in listed] == [f"Person {n:02d}" for n in range(24, 4, -1)]
    assert [s["scheduled_at"] for s in listed] == sorted(s["scheduled_at"] for s in listed)
    assert all(s["facility_name"] == "Dallas County Jail" for s in listed)
    assert len(video.data.subscription_ids) == 2
    # Only a subscription billed at Stripe has renewals to stop there.
    (local,) = Subscription.objects.filter(facility__name="Fort Worth Jail")
    Subscription.objects.filter(pk=local.pk).update(stripe_subscription_id="")
    assert sorted(plan_deletion(account).service("video").data.billed_ids) == sorted(
        set(video.data.subscription_ids) - {local.pk}
    )
    assert any("Fort Worth Jail ($24.99 a month)" in d for d in video.details)

    html = signed_in(account).get(reverse("deletion:delete")).content.decode()
    assert html.count("data-session=") == 20
    assert "Person 24" in html and "Person 04" not in html
    first = listed[0]
    assert f'data-session="{first["pk"]}"' in html
    assert reverse("video:cancel_session", args=[first["pk"]]) in html


def test_no_video_service_when_nothing_is_scheduled_or_subscribed(db, frozen):
    account = make_account(
        video={
            "sessions": [
                {"facility": "Dallas County Jail", "inmate": "A", "at": "-1d", "status": "completed"}
            ]
        }
    )
    assert plan_deletion(account).service("video") is None
