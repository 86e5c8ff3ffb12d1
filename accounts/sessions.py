"""SESSION_ENGINE: Django's database sessions, read through a query compiled once per process.

Every signed-in page reads its session first; building that one-row query with the ORM cost more than a
page's whole statement now does (securus.compiled). Storage, expiry, key rotation and deletion are
Django's own: only the read of a live session is replaced, with the same answer."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import CharField, DateTimeField
from django.utils import timezone

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
