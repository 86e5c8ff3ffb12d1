"""The session store answers as Django's database store: a live session's data, nothing for an unknown
or expired one (which then gets a new key when saved)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_live_session_reads_as_djangos_store_reads_it():
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store["deletion_receipt_token"] = "v1:abc"
    store.save()
    key = store.session_key
    assert (
        SessionStore(key).load()
        == DjangoStore(key).load()
        == {
            "_auth_user_id": "42",
            "deletion_receipt_token": "v1:abc",
        }
    )


@pytest.mark.parametrize("expired", [True, False])
def test_an_expired_or_unknown_session_is_empty_and_saved_under_a_new_key(expired):
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.save()
    key = store.session_key
    if expired:
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    else:
        Session.objects.filter(session_key=key).delete()
    again = SessionStore(key)
    assert again.load() == {} and again.session_key is None
    again["x"] = 1
    again.save()
    assert again.session_key not in (None, key)
