"""SESSION_ENGINE: Django's database sessions, read through a query compiled once per process.

Every signed-in page reads its session first; building that one-row query with the ORM cost more than a
page's whole statement now does (securus.compiled). Storage, expiry and key rotation are Django's own:
only the read of a live session is replaced, with the same answer, and round trips Django spends when a
session ends or starts (signing in and out) are spared."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connections, router
from django.db.models import CharField, DateTimeField
from django.utils import timezone
from django.utils.crypto import get_random_string

from securus.compiled import CompiledValues, Param

_LIVE_SESSION = CompiledValues(
    lambda: Session.objects.filter(
        session_key=Param("key", CharField()), expire_date__gt=Param("now", DateTimeField())
    ).values("session_key", "session_data", "expire_date")
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _LIVE_SESSION.rows(key=self.session_key, now=timezone.now())
        if not rows:  # unknown or expired: a new session, as Django's own store answers
            self._session_key = None
            return None
        return Session(**rows[0])

    def _get_new_session_key(self):
        # Django asks the database whether a fresh random key is taken before create() inserts it. The
        # insert refuses a taken key all the same (the primary key; save(must_create=True) raises
        # CreateError and create() draws another), so the question only cost a query.
        return get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key=None):
        # One DELETE, where Django reads the row first to delete it. Sessions have no delete signals and
        # nothing refers to them, which is what Django checks before deleting without collecting first;
        # _raw_delete is that delete without the transaction a collector's opens around it.
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        sessions = Session.objects.filter(session_key=session_key)
        sessions._raw_delete(sessions.db)

    def save(self, must_create=False):
        # A new session is one INSERT. Django runs it in a transaction of its own so that a taken key
        # (IntegrityError, then CreateError and another key) cannot break a transaction around it; with
        # none around it (autocommit), the INSERT alone is as atomic and spares the BEGIN and COMMIT.
        if not must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session(no_load=True))
        using = router.db_for_write(self.model, instance=obj)
        if connections[using].in_atomic_block:
            return super().save(must_create=True)
        try:
            obj.save(force_insert=True, using=using)
        except IntegrityError:
            raise CreateError from None
