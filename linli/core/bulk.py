"""Insert many new rows fast, on SQLite and PostgreSQL.

Django's `bulk_create` compiles its INSERT anew for every batch, and on SQLite a batch holds at most
999 parameters (about 30 residents): for a 100,000-row import the compiling costs more than the
database's own work. `bulk_insert` builds the statement once and sends the rows with PostgreSQL's
`COPY … FROM STDIN` (psycopg's `copy`), or on SQLite with one INSERT and the driver's
`executemany`. Values go through each field's `get_db_prep_save`, as in `bulk_create` (skipped only
for plain text, number and key columns, whose value is the attribute itself), so encrypted fields
are encrypted, and `auto_now`/`auto_now_add` fields get the time of the insert.

Primary keys are allocated up front so that related rows can point at the new ones:
- PostgreSQL: `nextval` of the table's sequence, once per row, in one query;
- SQLite: `MAX(id) + 1 …`; safe because Linli opens SQLite transactions with BEGIN IMMEDIATE
  (settings: transaction_mode), so no other writer can run until the transaction ends.
It must run inside a transaction (`transaction.atomic`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
BATCH = 2000


def allocate_ids(model: type[models.Model], n: int, using: str) -> list[int]:
    connection = connections[using]
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk_column, n],
            )
            return sorted(int(row[0]) for row in cur.fetchall())
        qn = connection.ops.quote_name
        cur.execute(f"SELECT COALESCE(MAX({qn(pk_column)}), 0) FROM {qn(table)}")  # noqa: S608
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + n))


# Fields whose database value is the attribute itself on every backend Linli supports.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _prep(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    """How to turn one field's value into its database value; None when it is the value itself."""
    if type(field) in _PLAIN or (
        isinstance(field, models.ForeignKey) and type(field.target_field) in _PLAIN
    ):
        return None
    if type(field) is models.DateField:
        adapt: Callable[[Any], Any] = connection.ops.adapt_datefield_value
        return adapt
    return lambda value: field.get_db_prep_save(value, connection)


def _stamped(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _insert_sql(model: type[models.Model], connection: Any) -> tuple[str, list[Any]]:
    """The statement that takes the rows: COPY on PostgreSQL, else one INSERT for executemany."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    if connection.vendor == "postgresql":
        return f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN", fields
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    return sql, fields


def _using(model: type[models.Model]) -> str:
    using = router.db_for_write(model)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("bulk_insert must run inside transaction.atomic()")
    return using


def _send(connection: Any, sql: str, rows: Iterable[list[Any]], batch_size: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    with connection.cursor() as cur:
        batch: list[list[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)


def _attr_reader(attname: str, prep: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    get = operator.attrgetter(attname)
    if prep is None:
        return get
    return lambda obj: prep(get(obj))


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda _row: value


def bulk_insert(objs: Sequence[M], *, batch_size: int = BATCH) -> Sequence[M]:
    """Insert new, unsaved instances of one model; sets their primary keys. Use inside atomic()."""
    if not objs:
        return objs
    model = type(objs[0])
    using = _using(model)
    connection = connections[using]
    sql, fields = _insert_sql(model, connection)
    for obj, pk in zip(objs, allocate_ids(model, len(objs), using), strict=True):
        obj.pk = pk
    now = timezone.now()
    readers: list[Callable[[Any], Any]] = []
    for f in fields:
        if _stamped(f):
            for obj in objs:
                setattr(obj, f.attname, now)
        prep = _prep(f, connection)
        readers.append(_attr_reader(f.attname, prep))
    _send(connection, sql, ([read(obj) for read in readers] for obj in objs), batch_size)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def _row_reader(
    attname: str, prep: Callable[[Any], Any] | None, default: Any
) -> Callable[[dict[str, Any]], Any]:
    if prep is None:
        return lambda row: row.get(attname, default)
    return lambda row: prep(row[attname]) if attname in row else default


def bulk_insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, batch_size: int = BATCH
) -> list[int]:
    """Insert rows given as dicts of attribute name → value, without building model instances
    (missing attributes take the field's default). Each dict gets its new primary key."""
    if not rows:
        return []
    using = _using(model)
    connection = connections[using]
    sql, fields = _insert_sql(model, connection)
    ids = allocate_ids(model, len(rows), using)
    pk_name = model._meta.pk.attname
    for row, pk in zip(rows, ids, strict=True):
        row[pk_name] = pk
    now = timezone.now()
    readers: list[Callable[[dict[str, Any]], Any]] = []
    for f in fields:
        prep = _prep(f, connection)
        if _stamped(f):
            readers.append(_constant(prep(now) if prep else now))
            continue
        default = f.get_default()  # as Django's: the field's default, else "" or None
        if prep is not None:
            default = prep(default)
        readers.append(_row_reader(f.attname, prep, default))
    _send(connection, sql, ([read(row) for read in readers] for row in rows), batch_size)
    return ids
