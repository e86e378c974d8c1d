"""Read-side queries shared by the client pages, the admin and the API."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import cast

import orjson
from django.db import connection, models
from django.db.models import QuerySet

from integrations.models import ApiKey, Client, ExternalLink, Integration, Platform


def integrations_for_client(*, client: Client) -> QuerySet[Integration]:
    return Integration.objects.filter(client=client).select_related("platform")


def links_by_external_id(
    *, integration_id: int, kind: str, external_ids: Iterable[str]
) -> dict[str, uuid.UUID]:
    """{external id: record id} for those of `external_ids` the integration has links for.

    On PostgreSQL one probe of the unique (integration, kind, external_id) index per id,
    whatever the table's statistics say. The plain `external_id IN (...)` next to the other two
    columns let the planner read all of the integration's links and filter them when its
    statistics were stale (say, a new client's first import): a cost that grew with every
    batch (docs/performance.md, "Partner API"). The `LIMIT 1` (the index is unique: at most
    one row anyway) keeps the planner from turning the lookups back into one such scan.
    """
    wanted = sorted(set(external_ids))
    if kind not in ("prospect", "member"):
        raise ValueError(f"kind must be 'prospect' or 'member', not {kind!r}")
    column = f"{kind}_id"
    if not wanted:
        return {}
    if connection.vendor != "postgresql":
        links = ExternalLink.objects.filter(
            integration_id=integration_id, kind=kind, external_id__in=wanted
        )
        return dict(links.values_list("external_id", column))
    table = connection.ops.quote_name(ExternalLink._meta.db_table)
    # The ids go as one JSON text (orjson): psycopg spells a list of strings out as an SQL
    # array literal value by value, in Python, at five times the cost.
    sql = (
        f"SELECT e.external_id, l.{column} FROM jsonb_array_elements_text(%s::jsonb)"  # noqa: S608 - names are ours
        f" AS e(external_id) CROSS JOIN LATERAL (SELECT {column} FROM {table} l"
        " WHERE l.integration_id = %s AND l.kind = %s AND l.external_id = e.external_id"
        " LIMIT 1) l"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [orjson.dumps(wanted).decode(), integration_id, kind])
        return dict(cursor.fetchall())


# Lookups every partner API request makes (its key, then its integration with the client).
# Plain SQL, made once per lookup: the ORM spent ~0.6 ms of Python building each of these,
# the database ~0.05 ms answering (docs/performance.md, "Partner API"). The rows become model
# instances exactly as the ORM makes them: the same columns, the same database converters.


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
