"""The two lookups every partner API request makes: its key, then its integration.

Plain SQL, compiled once per lookup, the rows made into model instances exactly as the ORM
makes them (the same columns, the same database converters). Measured with
`benchmarks/api_put_latency.py` and in-process (docs/performance.md, "Partner API"): the
ORM's `select_related(...).first()` spent 0.6-1.5 ms of Python on each, the database ~0.05 ms
answering, and a PUT costs ~10 ms of CPU in all.
"""

from __future__ import annotations

import functools
from typing import cast

from django.db import connection, models

from integrations.models import ApiKey, Integration, Platform


@functools.cache
def _select(model: type[models.Model], alias: str) -> tuple[str, list, list[str]]:
    """(column list, [(column expression, its converters)], attribute names) of `model`."""
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in fields)
    converters = []
    for field in fields:
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, found))
    return columns, converters, [f.attname for f in fields]


def _instance(model: type[models.Model], alias: str, row: tuple) -> models.Model:
    _, converters, names = _select(model, alias)
    values = list(row)
    for i, (column, found) in enumerate(converters):
        for converter in found:
            values[i] = converter(values[i], column, connection)
    return model.from_db(connection.alias, names, values)


@functools.cache
def _with_relation_sql(model: type[models.Model], relation: str, where: str) -> str:
    related = cast(models.ForeignKey, model._meta.get_field(relation))
    target = cast(type[models.Model], related.related_model)
    qn = connection.ops.quote_name
    return (
        f"SELECT {_select(model, 'a')[0]}, {_select(target, 'b')[0]}"  # noqa: S608 - names are ours
        f" FROM {qn(model._meta.db_table)} a JOIN {qn(target._meta.db_table)} b"
        f" ON b.{qn(str(target._meta.pk.column))} = a.{qn(related.column)} WHERE {where}"
    )


def _first_with_relation(
    model: type[models.Model], relation: str, where: str, params: list
) -> models.Model | None:
    """The first row of `model` (alias `a` in `where`) with the row its foreign key `relation`
    points to loaded with it, in one query; None when none matches."""
    with connection.cursor() as cursor:
        cursor.execute(_with_relation_sql(model, relation, where), params)
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(model._meta.concrete_fields)
    obj = _instance(model, "a", row[:width])
    target = cast(type[models.Model], model._meta.get_field(relation).related_model)
    getattr(model, relation).field.set_cached_value(obj, _instance(target, "b", row[width:]))
    return obj


def api_key_by_hash(hashed_key: str) -> ApiKey | None:
    """The API key with this hash, its platform loaded with it; None when there is none."""
    found = _first_with_relation(ApiKey, "platform", "a.hashed_key = %s", [hashed_key])
    return cast(ApiKey | None, found)


def integration_of(*, client_id: str, platform: Platform) -> Integration | None:
    """The platform's integration with this client, the client loaded with it (and the
    platform given, not read again); None when there is none."""
    integration = cast(
        Integration | None,
        _first_with_relation(
            Integration,
            "client",
            "a.client_id = %s AND a.platform_id = %s",
            [client_id, platform.pk],
        ),
    )
    if integration is not None:
        Integration.platform.field.set_cached_value(integration, platform)
    return integration
