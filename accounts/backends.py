"""Sign-in as Django's ModelBackend does, but each request loads the user and their family account in one
query: every family page needs both. The query is compiled once per process (securus.compiled): on a page
that otherwise runs one statement, building the user's query was a good part of the request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS
from django.db.models import BigIntegerField, F

from securus.compiled import CompiledValues, Param

from .models import Account

_ACCOUNT = "account__"


def _attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _user_with_account():
    return (
        get_user_model()
        ._default_manager.filter(pk=Param("user", BigIntegerField()))
        .values(
            *_attnames(get_user_model()),
            **{_ACCOUNT + name: F(_ACCOUNT + name) for name in _attnames(Account)},
        )
    )


_USER_WITH_ACCOUNT = CompiledValues(_user_with_account)


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            rows = _USER_WITH_ACCOUNT.rows(user=int(user_id))
        except (TypeError, ValueError):  # not an id: nobody, as ModelBackend answers
            return None
        if not rows:
            return None
        user = _instances(rows[0])
        return user if self.user_can_authenticate(user) else None


def _instances(row: dict):
    """The user, with their account (or the absence of one) cached on it as select_related would."""
    User = get_user_model()
    user = User.from_db(DEFAULT_DB_ALIAS, _attnames(User), [row[name] for name in _attnames(User)])
    account = None
    if row[_ACCOUNT + "id"] is not None:
        names = _attnames(Account)
        account = Account.from_db(DEFAULT_DB_ALIAS, names, [row[_ACCOUNT + name] for name in names])
        Account.user.field.set_cached_value(account, user)
    User.account.related.set_cached_value(user, account)
    return user
