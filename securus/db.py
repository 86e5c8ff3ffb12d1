"""Database helpers for the batch jobs."""

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL


def pk_in(model, ids):
    """A filter on `model` rows whose primary key is in `ids`, for the batch jobs' thousands of ids. On
    PostgreSQL `pk = ANY(array)`: one parameter, where `pk__in` binds and parses a placeholder per id
    (which costs more than the query). Elsewhere (SQLite on a laptop) `pk__in`."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    column = f'"{model._meta.db_table}"."{model._meta.pk.column}"'
    return RawSQL(f"{column} = ANY(%s::bigint[])", [ids], output_field=BooleanField())
