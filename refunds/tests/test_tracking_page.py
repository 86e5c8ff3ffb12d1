"""The refund tracking page: signed link, no sign-in, no street address, forged links are 404."""

import pytest
from django.core import signing

from refunds import cards
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
    assert "Check mailed to Dallas, TX" in page
    assert "12 Oak St" not in page and "75201" not in page
    assert "Replaced by a check" in page and "the card has expired" in page
    assert page.count('<li class="done">') == 5  # pending, failed, replaced + two check_queued
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("kind", ["forged", "altered", "garbage", "missing"])
def test_bad_links_are_404(client, kind):
    deletion = make_deletion()
    good = tracking_path(deletion.pk).split("/")[-2]
    token = {
        "forged": signing.dumps({"d": deletion.pk}, salt="refunds.tracking", key="not-our-secret"),
        "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "garbage": "12345",
        "missing": signing.dumps({"d": deletion.pk + 999}, salt="refunds.tracking", compress=True),
    }[kind]
    assert client.get(f"/refunds/track/{token}/").status_code == 404
