"""The inquiry path's three writes as SQL built once per model and field list.

Through the ORM (Model.save, QuerySet.update, bulk_create) these statements cost ~1.7 ms of CPU per
inquiry, three times what the database spends running them, mostly compiling the same SQL again;
this way ~0.8 ms. It was the largest part of what separates the full inquiry path from
classification alone (bench/serve.py).
Values still go through each field's pre_save and get_db_prep_save, as the ORM's own compilers do,
so every backend gets the rows the ORM would write. No model signals are sent: none are used here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.db import connections
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField

_AUTO = (AutoField, BigAutoField, SmallAutoField)


@lru_cache(maxsize=64)
def _insert_sql(model: type[Model], using: str, rows: int, returning: bool) -> tuple[str, tuple[Field, ...], bool]:
    connection = connections[using]
    qn = connection.ops.quote_name
    fields = tuple(f for f in model._meta.local_concrete_fields if not isinstance(f, _AUTO))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only quoted names from the model's _meta go into the text; every value is a parameter.
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES {', '.join([row] * rows)}")
    if returning and connection.features.can_return_columns_from_insert:
        clause, _params = connection.ops.return_insert_columns([model._meta.pk])
        return f"{sql} {clause}", fields, True
    return sql, fields, False


@lru_cache(maxsize=64)
def _update_sql(model: type[Model], using: str, names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    qn = connections[using].ops.quote_name
    fields = tuple(model._meta.get_field(name) for name in names)
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {pk} = %s", fields  # noqa: S608 - names from _meta, quoted


def _row_params(obj: Model, fields: Iterable[Field], connection) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def row_insert(*, obj: Model, using: str = "default") -> Model:
    """INSERT one new instance (defaults and auto_now applied, as save() would) and set its pk."""
    connection = connections[using]
    model = type(obj)
    sql, fields, returning = _insert_sql(model, using, 1, True)
    with connection.cursor() as cursor:
        cursor.execute(sql, _row_params(obj, fields, connection))
        pk = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(
            cursor, model._meta.db_table, model._meta.pk.column)
    obj.pk = pk
    obj._state.adding, obj._state.db = False, using
    return obj


def rows_insert(*, objs: Sequence[Model], using: str = "default") -> None:
    """INSERT new instances of one model in one statement; their pks are not read back."""
    if not objs:
        return
    connection = connections[using]
    sql, fields, _returning = _insert_sql(type(objs[0]), using, len(objs), False)
    params = [p for obj in objs for p in _row_params(obj, fields, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def row_update(*, model: type[Model], pk, values: dict[str, object], using: str = "default") -> int:
    """UPDATE one row's fields (by field name; a related instance stands for its key); rows changed."""
    connection = connections[using]
    sql, fields = _update_sql(model, using, tuple(values))
    params = []
    for field, value in zip(fields, values.values(), strict=True):
        if hasattr(value, "prepare_database_save"):
            value = value.prepare_database_save(field)
        params.append(field.get_db_prep_save(value, connection))
    params.append(model._meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
