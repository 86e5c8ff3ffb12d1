"""Hot reads compiled to SQL once per process, and JSON lists folded into one statement.

Building a queryset and compiling it to SQL is Python work Django repeats on every call. For the My Account
page (one statement of a dozen correlated subqueries, and the video lists) it cost several times what
PostgreSQL spends running the SQL. `CompiledValues(build)` calls `build()` once per database, with `Param`s
where the per-call values go (an account id, the time), keeps the SQL and its compiler, and runs the SQL
with each call's values through the compiler's own converters: the rows are the dicts `.values()` returns.

`build` must depend on nothing but its Params: anything else it reads (the clock, a setting) is frozen into
the SQL of the first call.

On PostgreSQL the statement is also prepared, once per database connection (connections live for
CONN_MAX_AGE): planning a statement of twenty subqueries cost PostgreSQL several times what running it
does. The first call on a connection sends PREPARE and EXECUTE in one round trip, later calls EXECUTE.
Prepared statements outlive rolled-back transactions; a pooler that discards them between transactions
(PgBouncer in transaction mode) does not stand between the site and PostgreSQL.
"""

import hashlib
import itertools
import re
import threading
import weakref
from datetime import UTC, datetime

from django.db import connections
from django.db.models import Expression, JSONField, Subquery, Sum, Value, sql
from django.db.models.deletion import Collector

from .sql import insert_sql


class _Slot:
    """Stands in the compiled parameters for a Param's value."""

    __slots__ = ("name", "field")

    def __init__(self, name, field):
        self.name = name
        self.field = field


class Param(Expression):
    """A value given when a compiled query runs: `filter(pk=Param("account", models.BigIntegerField()))`."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


class _Prepared:
    """The statement as PostgreSQL prepares it: constants inlined by the driver, the Params as $1, $2..."""

    def __init__(self, connection, sql, params):
        slots = {}  # Param name -> ($ number, field)
        constants = []
        given = iter(params)

        def placeholder(match):
            if match.group() == "%%":
                return "%%"
            param = next(given)
            if isinstance(param, _Slot):
                slots.setdefault(param.name, (len(slots) + 1, param.field))
                return f"${slots[param.name][0]}"
            constants.append(param)
            return "%s"

        body = re.sub("%%|%s", placeholder, sql)
        with connection.cursor() as cursor:  # the driver's own quoting, as for any query it sends
            body = cursor.mogrify(body, constants)
        self.slots = [(name, field) for name, (_, field) in slots.items()]
        self.types = ", ".join(field.db_type(connection) for _, field in self.slots)
        self.body = body.replace("%", "%%")  # sent again through the driver, with the EXECUTE's values
        self.base = "compiled_" + hashlib.sha256(body.encode()).hexdigest()[:16]

    def execute(self, name: str) -> str:
        return f"EXECUTE {name} ({', '.join(['%s'] * len(self.slots))})" if self.slots else f"EXECUTE {name}"

    def prepare(self, name: str) -> str:
        return (
            f"PREPARE {name} ({self.types}) AS {self.body}"
            if self.slots
            else f"PREPARE {name} AS {self.body}"
        )


# Per driver connection: the names its statements are prepared under, and a counter for fresh names.
_prepared_on = weakref.WeakKeyDictionary()


class CompiledValues:
    """A `.values()` queryset built and compiled once per database; `rows(**params)` runs it."""

    def __init__(self, build):
        self._build = build
        self._compiled = {}  # database alias -> (compiler, sql, params, names, _Prepared or None)
        self._lock = threading.Lock()

    def _compile(self, alias):
        with self._lock:
            if alias not in self._compiled:
                connection = connections[alias]
                queryset = self._build().using(alias)
                query = queryset.query
                compiler = query.get_compiler(using=alias)
                sql, params = compiler.as_sql()
                # The order ValuesIterable names a row's columns in.
                names = (
                    list(query.selected)
                    if query.selected
                    else [*query.extra_select, *query.values_select, *query.annotation_select]
                )
                prepared = _Prepared(connection, sql, params) if connection.vendor == "postgresql" else None
                self._compiled[alias] = (compiler, sql, tuple(params), names, prepared)
        return self._compiled[alias]

    def rows(self, using: str = "default", **values) -> list[dict]:
        compiler, sql, params, names, prepared = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            _execute(connection, cursor, sql, params, prepared, values)
            fetched = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in compiler.results_iter(results=[fetched])]


class CompiledWrite:
    """An UPDATE of `build()`'s rows to `values()` ({field: value or expression, Params allowed}), or with
    no `values` a DELETE of them, built and compiled once per database like CompiledValues (prepared on
    PostgreSQL); `run(**params)` executes it and returns how many rows it changed.

    As QuerySet.update() does, it sends no signals. A DELETE collects nothing: compiling it refuses a
    model that Django could not delete in one statement (delete signals, rows referring to it)."""

    def __init__(self, build, values=None):
        self._build = build
        self._values = values
        self._compiled = {}  # database alias -> (sql, params, _Prepared or None)
        self._lock = threading.Lock()

    def _compile(self, alias):
        with self._lock:
            if alias not in self._compiled:
                connection = connections[alias]
                text, params = self._statement(alias)
                prepared = _Prepared(connection, text, params) if connection.vendor == "postgresql" else None
                self._compiled[alias] = (text, tuple(params), prepared)
        return self._compiled[alias]

    def _statement(self, alias) -> tuple[str, list]:
        queryset = self._build().using(alias)
        if self._values is None:
            if not Collector(using=alias, origin=queryset).can_fast_delete(queryset):
                raise ValueError(f"{queryset.model.__name__} rows cannot be deleted in one statement")
            query = queryset.query.clone()
            query.__class__ = sql.DeleteQuery  # as QuerySet._raw_delete() does
        else:
            query = queryset.query.chain(sql.UpdateQuery)
            query.add_update_values(self._values())
            if query.related_updates:
                raise ValueError("an update of a parent model's fields is more than one statement")
        return query.get_compiler(using=alias).as_sql()

    def run(self, using: str = "default", **values) -> int:
        text, params, prepared = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            _execute(connection, cursor, text, params, prepared, values)
            return cursor.rowcount


class CompiledInsert(CompiledWrite):
    """securus.sql.insert_from() built and compiled once per database (prepared on PostgreSQL): an INSERT
    into `model`'s table of one row per row of `build()`, in its order, with `columns()` as insert_from's
    `columns` (Params allowed in both). `run(**params)` returns how many rows it wrote. As insert_from,
    it sends no signals and fields left out take their database default."""

    def __init__(self, model, build, columns):
        super().__init__(build)
        self._model = model
        self._columns = columns

    def _statement(self, alias) -> tuple[str, list]:
        return insert_sql(self._model, self._build().using(alias), self._columns())


def _execute(connection, cursor, sql: str, params: tuple, prepared: _Prepared | None, values: dict) -> None:
    """Run a compiled statement with `values` in its Params' places: as a prepared statement on
    PostgreSQL, with the constants compiled in and the Params bound elsewhere (SQLite)."""
    if prepared is None:
        bound = [
            p.field.get_db_prep_value(values[p.name], connection) if isinstance(p, _Slot) else p
            for p in params
        ]
        cursor.execute(sql, bound)
    else:
        bound = [field.get_db_prep_value(values[name], connection) for name, field in prepared.slots]
        _execute_prepared(connection, cursor, prepared, bound)


def _execute_prepared(connection, cursor, prepared: _Prepared, bound: list) -> None:
    known = _prepared_on.setdefault(connection.connection, {"names": {}, "fresh": itertools.count()})
    name = known["names"].get(prepared.base)
    if name is not None:
        cursor.execute(prepared.execute(name), bound)
        return
    # A fresh name at each attempt: a PREPARE whose EXECUTE failed may have been kept all the same.
    name = f"{prepared.base}_{next(known['fresh'])}"
    cursor.execute(f"{prepared.prepare(name)}; {prepared.execute(name)}", bound)
    cursor.nextset()  # past PREPARE's empty result to EXECUTE's rows
    known["names"][prepared.base] = name


def sum_of(queryset, field: str) -> Subquery:
    """A correlated SUM of `field` over `queryset` (already filtered on an OuterRef), NULL when empty."""
    return Subquery(
        queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(t=Sum(field)).values("t")[:1]
    )


class JSONList(Subquery):
    """The rows of `queryset` as one JSON list, `[]` when there are none. The queryset selects a single
    column named `item` holding a JSON value (JSONObject, JSONArray). Lists come back in no set order:
    sort them in Python."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if connection.vendor == "postgresql":
            template = "COALESCE((SELECT jsonb_agg(_list.item) FROM (%(subquery)s) _list), '[]'::jsonb)"
        else:  # SQLite: the item is JSON text once it leaves the subquery; json() makes it JSON again
            template = "COALESCE((SELECT json_group_array(json(_list.item)) FROM (%(subquery)s) _list), '[]')"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def json_datetime(text: str | None) -> datetime | None:
    """A datetime written into JSON by the database: ISO 8601 with its offset from PostgreSQL, naive UTC
    from SQLite (where Django stores datetimes in UTC)."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
