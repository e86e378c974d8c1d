"""Read-side queries shared by the client pages, the admin and the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import orjson
from django.db import connection
from django.db.models import QuerySet

from integrations.models import Client, ExternalLink, Integration


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
