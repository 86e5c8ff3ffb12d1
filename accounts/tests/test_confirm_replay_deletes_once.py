"""A double-click, refresh or replayed confirm POST deletes once and lands on the receipt, never an error."""

from django.core import mail
from django.urls import reverse

from deletion.models import AccountDeletion, ServiceClosure
from refunds.models import Refund

from .conftest import PASSWORD
from .helpers import fingerprint_of


def test_replayed_post_deletes_once(card_account, client_for, django_capture_on_commit_callbacks):
    data = {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client_for)}
    url = reverse("deletion:delete_confirm")
    with django_capture_on_commit_callbacks(execute=True):
        first = client_for.post(url, data)
        second = client_for.post(url, data)  # the same browser sends it again (refresh, back, double click)
    assert first.status_code == 302 and second.status_code == 302
    assert first["Location"] == second["Location"]
    assert "/delete/done/" in second["Location"]
    assert client_for.get(second["Location"]).status_code == 200

    assert AccountDeletion.objects.filter(account=card_account).count() == 1
    deletion = AccountDeletion.objects.get(account=card_account)
    assert Refund.objects.filter(deletion=deletion).count() == 1
    assert ServiceClosure.objects.filter(deletion=deletion).count() == 2  # prepaid and messaging
    assert len(mail.outbox) == 1


def test_replay_from_a_browser_without_the_session_lands_on_sign_in(card_account, client_for, client):
    data = {"password": PASSWORD, "understand": "on", "fingerprint": fingerprint_of(client_for)}
    url = reverse("deletion:delete_confirm")
    client_for.post(url, data)
    replay = client.post(url, data, follow=True)  # a stranger's or stale replay: no session at all
    assert replay.status_code == 200
    assert replay.redirect_chain[-1][0] == reverse("accounts:login")
    assert "You are signed out, so nothing was deleted." in replay.content.decode()
    assert AccountDeletion.objects.count() == 1
