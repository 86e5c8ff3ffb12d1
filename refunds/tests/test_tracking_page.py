"""The refund tracking page: a random link, no sign-in, no street address; forged, guessed and expired
links are 404, and the link carries no readable id."""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from refunds import cards
from refunds.models import Refund
from refunds.tracking import tracking_path

from .helpers import make_card_refund, make_check_refund, make_deletion

pytestmark = pytest.mark.django_db


def test_shows_each_refund_route_status_and_timeline(client, fake_stripe):
    deletion = make_deletion()
    card = make_card_refund(
        deletion=deletion, charge_id=fake_stripe.add_charge(amount=5000)["id"], amount_cents=4000
    )
    make_check_refund(deletion=deletion, amount_cents=1234)
    fake_stripe.fail_next_refund("expired_card")
    cards.submit_card_refund(card.pk)
    response = client.get(tracking_path(deletion.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "$40.00" in page and "$12.34" in page
    assert "Visa ending in 4242" in page
    # Queued, not yet in the mail: the page promises, it does not claim.
    assert "Check will be mailed to Dallas, TX" in page and "Check mailed to" not in page
    assert "12 Oak St" not in page and "75201" not in page
    assert "Replaced by a check" in page and "the card has expired" in page
    assert page.count('<li class="done">') == 5  # pending, failed, replaced + two check_queued
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("kind", ["forged", "altered", "garbage", "missing", "id", "nul"])
def test_bad_links_are_404(client, kind):
    deletion = make_deletion()
    good = tracking_path(deletion.pk).split("/")[-2]
    token = {
        "forged": signing.dumps({"d": deletion.pk}, salt="refunds.tracking", key="not-our-secret"),
        "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "garbage": "12345",
        "missing": signing.dumps({"d": deletion.pk + 999}, salt="refunds.tracking", compress=True),
        "id": str(deletion.pk),
        "nul": "a\x00" * 20,
    }[kind]
    assert client.get(f"/refunds/track/{token}/").status_code == 404


def test_the_token_carries_no_readable_id():
    deletions = [make_deletion() for _ in range(3)]
    tokens = [tracking_path(d.pk).split("/")[-2] for d in deletions]
    for token in tokens:
        assert len(token) >= 40 and ":" not in token  # one random key, no signed payload
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(decoded) == 32  # 32 random bytes and nothing else: no id inside
        with pytest.raises(signing.BadSignature):
            signing.loads(token, salt="refunds.tracking")
    assert len(set(tokens)) == 3


def test_the_link_expires_a_year_after_the_last_refund_settles(client):
    deletion = make_deletion()
    refund = make_check_refund(deletion=deletion)
    path = tracking_path(deletion.pk)
    settled = timezone.now() - timedelta(days=10)
    with time_machine.travel(settled, tick=False):
        Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.CHECK_MAILED)
        cards.erase_snapshot_if_settled(deletion_id=deletion.pk)
    assert client.get(path).status_code == 200
    with time_machine.travel(settled + timedelta(days=364), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(settled + timedelta(days=366), tick=False):
        assert client.get(path).status_code == 404


def test_the_link_does_not_expire_while_a_refund_is_open(client):
    deletion = make_deletion()
    make_check_refund(deletion=deletion)
    path = tracking_path(deletion.pk)
    with time_machine.travel(timezone.now() + timedelta(days=800), tick=False):
        assert client.get(path).status_code == 200


def test_a_check_reads_mailed_only_once_it_is_mailed(client):
    deletion = make_deletion()
    check = make_check_refund(deletion=deletion, amount_cents=1234)
    assert "Check will be mailed to Dallas, TX" in client.get(tracking_path(deletion.pk)).content.decode()
    Refund.objects.filter(pk=check.pk).update(status=Refund.Status.CHECK_MAILED)
    page = client.get(tracking_path(deletion.pk)).content.decode()
    assert "Check mailed to Dallas, TX" in page and "will be mailed" not in page
