"""Set-based SQL helpers for the work that grows with history or batch size: INSERT ... SELECT through
the ORM (rows the database derives from other rows, written without passing through Python one by one;
the SELECT is compiled by Django, so it runs on PostgreSQL and SQLite alike), and id filters for the
batch jobs' thousands of ids."""

from django.db import connection, connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL


def insert_from(model, queryset, columns: dict) -> int:
    """Insert into `model`'s table one row per row of `queryset`, in its order. `columns` maps each
    field of `model` written (by attname, e.g. "refund_id") to an expression over the queryset's model
    (F("pk"), Value(now), -F("amount_cents")); fields left out take their database default. Returns
    the number of rows written."""
    sql, params = insert_sql(model, queryset, columns)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_sql(model, queryset, columns: dict) -> tuple[str, list]:
    """The INSERT ... SELECT of insert_from() and its parameters, compiled for `queryset`'s database."""
    selected = queryset.values(**{f"insert_{i}": expr for i, expr in enumerate(columns.values())})
    sql, params = selected.query.get_compiler(using=selected.db).as_sql()
    quote = connections[selected.db].ops.quote_name
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    return f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {sql}", list(params)


def pk_in(model, ids):
    """A filter on `model` rows whose primary key is in `ids`, for the batch jobs' thousands of ids. On
    PostgreSQL `pk = ANY(array)`: one parameter, where `pk__in` binds and parses a placeholder per id
    (which costs more than the query). Elsewhere (SQLite on a laptop) `pk__in`."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    column = f'"{model._meta.db_table}"."{model._meta.pk.column}"'
    return RawSQL(f"{column} = ANY(%s::bigint[])", [ids], output_field=BooleanField())
