"""The receipt: reachable from its signed link without signing in, never from a guessed one; emailed once
the deletion is committed, with the tracking link."""

from django.core import signing
from django.urls import reverse

from deletion.models import AccountDeletion
from refunds.models import Refund
from refunds.tracking import tracking_path, tracking_token

from .conftest import PASSWORD
from .helpers import fingerprint_of


def delete(client, capture):
    with capture(execute=True):
        return client.post(
            reverse("deletion:delete_confirm"),
            {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client)},
        )


def test_receipt_without_a_session(card_account, client_for, client, django_capture_on_commit_callbacks):
    location = delete(client_for, django_capture_on_commit_callbacks)["Location"]
    page = client.get(location)  # a different browser, never signed in
    assert page.status_code == 200
    html = page.content.decode()
    deletion = AccountDeletion.objects.get(account=card_account)
    assert "$23.80" in html and "Visa ending in 4242" in html
    assert "12 unused stamps cannot be refunded" in html
    assert tracking_path(deletion.pk) in html
    assert page["Referrer-Policy"] == "no-referrer"


def test_forged_or_guessed_links_are_not_found(
    card_account, client_for, client, django_capture_on_commit_callbacks
):
    delete(client_for, django_capture_on_commit_callbacks)
    deletion = AccountDeletion.objects.get(account=card_account)
    forged = signing.dumps({"d": deletion.pk}, salt="someone-else", compress=True)
    for token in (forged, str(deletion.pk), tracking_token(deletion.pk)[:-2] + "xx"):
        assert client.get(reverse("deletion:delete_done", args=[token])).status_code == 404


def test_email_is_sent_after_commit_with_the_tracking_link(
    card_account, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for.post(
            reverse("deletion:delete_confirm"),
            {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client_for)},
        )
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    deletion = AccountDeletion.objects.get(account=card_account)
    body = mailoutbox[0].body
    assert mailoutbox[0].to == ["ana@example.com"]
    assert "http://testserver" + tracking_path(deletion.pk) in body
    assert "$23.80 back to your Visa ending in 4242" in body


def test_check_receipt_names_the_town_not_the_street(db, frozen, django_capture_on_commit_callbacks):
    from .conftest import make_account, signed_in

    account = make_account(prepaid={"payments": [{"at": "-10d", "amount": "40.00", "method": "moneygram"}]})
    client = signed_in(account)
    location = delete(client, django_capture_on_commit_callbacks)["Location"]
    html = client.get(location).content.decode()
    assert "$40.00" in html and "paper check" in html
    assert "DALLAS, TX" in html
    assert "12 OAK ST" not in html  # the link alone must not reveal where the family lives


def test_a_refund_across_several_charges_of_one_card_is_one_line(
    db, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    from .conftest import make_account, signed_in

    card = {"method": "card", "card_last4": "4242"}
    account = make_account(
        prepaid={
            "payments": [
                {"at": "-40d", "amount": "25.00", **card},
                {"at": "-10d", "amount": "10.00", **card},
                {"at": "-5d", "amount": "5.00", **card},
            ]
        }
    )
    client = signed_in(account)
    location = delete(client, django_capture_on_commit_callbacks)["Location"]
    assert Refund.objects.filter(deletion__account=account).count() == 3  # one per charge, for Stripe
    line = "$40.00 back to your Visa ending in 4242, returned against 3 of its recent charges"
    assert line in mailoutbox[0].body
    assert mailoutbox[0].body.count("back to your") == 1
    html = client.get(location).content.decode()
    assert "returned against 3 of its recent charges" in html and html.count('<div class="refund">') == 1
