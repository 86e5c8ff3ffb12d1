"""Whatever the channel, the holder gets one receipt with the tracking link, and only after commit."""

import pytest

from accounts.models import Account
from deletion.services import delete_account
from refunds.tracking import tracking_path

from .deletion_helpers import SCENARIOS, cli, load


@pytest.mark.django_db
def test_phone_deletion_emails_one_receipt_after_commit(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://securus.example"
    # A check refund: no card task is handed to the broker when the callbacks run.
    email = load(SCENARIOS / "rules" / "western_union_check.json")
    with django_capture_on_commit_callbacks() as callbacks:
        cli("delete_account", email, "--channel", "phone")
        assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    deletion = Account.objects.get().deletion
    assert [m.to for m in mailoutbox] == [[email]]
    assert "https://securus.example" + tracking_path(deletion.pk) in mailoutbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        again = delete_account(Account.objects.get(), actor=None, channel="web")
    assert again == deletion
    assert len(mailoutbox) == 1  # deleting again sends nothing
