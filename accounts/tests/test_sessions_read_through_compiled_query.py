"""The session store answers as Django's database store: a live session's data, nothing for an unknown
or expired one (which then gets a new key when saved)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def test_a_new_session_takes_a_fresh_key_in_one_insert_and_draws_again_when_the_key_is_taken(monkeypatch):
    taken = SessionStore()
    taken["who"] = "first"
    taken.save()
    drawn = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr("accounts.sessions.get_random_string", lambda length, chars: next(drawn))
    store = SessionStore()
    store["who"] = "second"
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert store.session_key == "k" * 32
    # No question whether a key is taken: the insert refuses the taken one, and another is drawn.
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and not any(q["sql"].startswith("SELECT") for q in queries.captured_queries)
    assert SessionStore(taken.session_key).load() == {"who": "first"}  # the taken one is untouched
    assert SessionStore("k" * 32).load() == {"who": "second"}


def test_ending_a_session_deletes_its_row_in_one_statement():
    store = SessionStore()
    store["who"] = "me"
    store.save()
    other = SessionStore()
    other["who"] = "someone else"
    other.save()
    key = store.session_key
    with CaptureQueriesContext(connection) as queries:
        store.flush()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["DELETE"]
    assert store.session_key is None and not Session.objects.filter(session_key=key).exists()
    assert Session.objects.filter(session_key=other.session_key).exists()
    SessionStore("gone" * 8).delete()  # an unknown key: nothing to delete, no error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_new_session_is_one_insert_even_when_its_first_key_was_taken(monkeypatch):
    taken = SessionStore()
    taken["who"] = "first"
    with CaptureQueriesContext(connection) as queries:
        taken.save()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]  # no BEGIN, no COMMIT
    drawn = iter([taken.session_key, "t" * 32])
    monkeypatch.setattr("accounts.sessions.get_random_string", lambda length, chars: next(drawn))
    store = SessionStore()
    store["who"] = "second"
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT", "INSERT"]
    assert store.session_key == "t" * 32
    assert SessionStore(taken.session_key).load() == {"who": "first"}
    assert SessionStore("t" * 32).load() == {"who": "second"}
    store["who"] = "changed"
    store.save()  # saving it again updates it, as Django's store does
    assert SessionStore("t" * 32).load() == {"who": "changed"}
