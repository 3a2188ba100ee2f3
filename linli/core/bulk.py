"""Insert many new rows fast, on SQLite and PostgreSQL.

Django's `bulk_create` compiles its INSERT anew for every batch, and on SQLite a batch holds at most
999 parameters (about 30 residents): for a 100,000-row import the compiling costs more than the
database's own work. `bulk_insert` builds the statement once and sends the rows with the driver's
`executemany`. Values go through each field's `pre_save` and `get_db_prep_save`, exactly as in
`bulk_create` (skipped only for plain text, number and key columns, whose value is the attribute
itself), so encrypted fields are encrypted and `auto_now`/`auto_now_add` stamps are set.

Primary keys are allocated up front so that related rows can point at the new ones:
- PostgreSQL: `nextval` of the table's sequence, once per row, in one query;
- SQLite: `MAX(id) + 1 …`; safe because Linli opens SQLite transactions with BEGIN IMMEDIATE
  (settings: transaction_mode), so no other writer can run until the transaction ends.
It must run inside a transaction (`transaction.atomic`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
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


def _getter(field: models.Field[Any, Any], connection: Any, now: Any) -> Callable[[Any], Any]:
    """How to read one field's database value from an instance, cheaply where it is safe."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stamp = field.get_db_prep_save(now, connection)

        def stamped(obj: Any) -> Any:
            setattr(obj, attname, now)
            return stamp

        return stamped
    if type(field) in _PLAIN or (
        isinstance(field, models.ForeignKey) and type(field.target_field) in _PLAIN
    ):
        return operator.attrgetter(attname)
    if type(field) is models.DateField:
        adapt = connection.ops.adapt_datefield_value
        return lambda obj: adapt(getattr(obj, attname))
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def bulk_insert(objs: Sequence[M], *, batch_size: int = BATCH) -> Sequence[M]:
    """Insert new, unsaved instances of one model; sets their primary keys. Use inside atomic()."""
    if not objs:
        return objs
    model = type(objs[0])
    using = router.db_for_write(model)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("bulk_insert must run inside transaction.atomic()")
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    for obj, pk in zip(objs, allocate_ids(model, len(objs), using), strict=True):
        obj.pk = pk
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    now = timezone.now()
    getters = [_getter(f, connection, now) for f in fields]
    with connection.cursor() as cur:
        for i in range(0, len(objs), batch_size):
            params: list[list[Any]] = [
                [get(obj) for get in getters] for obj in objs[i : i + batch_size]
            ]
            cur.executemany(sql, params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs
