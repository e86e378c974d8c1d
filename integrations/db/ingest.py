"""Ingest's database work, set-based: a constant number of statements for a whole batch.

Measured by `benchmarks/api_ingest.py` (docs/performance.md, "Partner API"): each function
here replaced an ORM spelling whose Python cost more than the database's answer.

Writes. On PostgreSQL the rows go in with COPY (into the real tables, inside ingest's transaction):
several times faster than a multi-row INSERT built by the ORM, which spends most of a
500-record batch compiling parameters. Elsewhere (SQLite) `bulk_create`.

Rows are dicts of attribute names; any field a row leaves out takes its model default
(`auto_now` fields take `now`), except what the database fills itself: database defaults (the
serial id, `OutboxRow.txid`, an outbox row's starting state) and the NULL of a nullable column
without a default. So a field added to these models later keeps working.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, models
from django.db.models import NOT_PROVIDED
from psycopg.types.json import set_json_dumps

from integrations.db.lookups import array_param, membership_sql
from integrations.models import Change, ExternalLink, Integration, OutboxRow, WebhookEndpoint
from integrations.models.choices import DataKind, Direction, Mode
from integrations.models.sync import CURRENT_TXID_SQL, OutboxStatus


def _db_side(field: models.Field, given: frozenset[str]) -> bool:
    """Whether the database fills this column of rows that leave it out: a database default,
    the serial id, or NULL (a nullable column with no default at all)."""
    if field.attname in given:
        return False
    if field.db_default is not NOT_PROVIDED or (field.primary_key and field.auto_created):
        return True
    return field.null and not field.has_default()


def _default(field: models.Field, now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


@dataclass(frozen=True)
class _CopyPlan:
    """How rows with a given set of keys go into a model's table (worked out once)."""
    statement: str
    types: list[str]  # PostgreSQL type names, as psycopg knows them ("varchar", "jsonb")
    values: Callable[[dict[str, Any]], tuple]  # a full row (every column's key) -> values
    defaults: list[tuple[str, models.Field]]  # the columns rows leave out: filled per batch


@functools.cache
def _copy_plan(model: type[models.Model], given: frozenset[str]) -> _CopyPlan:
    fields = [f for f in model._meta.concrete_fields if not _db_side(f, given)]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    return _CopyPlan(
        statement=f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)",
        types=[str(f.db_type(connection)).split("(", 1)[0].strip() for f in fields],
        values=operator.itemgetter(*[f.attname for f in fields]),
        defaults=[(f.attname, f) for f in fields if f.attname not in given],
    )


def rows_copy(*, model: type[models.Model], rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """COPY `rows` into `model`'s table (PostgreSQL only). Every row has the keys of the first."""
    if not rows:
        return
    plan = _copy_plan(model, frozenset(rows[0]))
    filled = {name: _default(field, now) for name, field in plan.defaults}
    values = plan.values
    # COPY goes straight to psycopg: the wrapper turns its errors into Django's (a unique
    # violation becomes IntegrityError, which ingest retries). Binary format, the column
    # types given up front: ~2.5x less CPU than text to encode, and nothing to parse
    # server-side; a JSON column's value goes as it is, the jsonb dumper encodes it (with
    # orjson: a batch's 500 change snapshots in a tenth of the time of the json module).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(plan.statement) as copy,
    ):
        if "jsonb" in plan.types or "json" in plan.types:
            set_json_dumps(orjson.dumps, context=cursor.cursor)
        copy.set_types(plan.types)
        write = copy.write_row
        if filled:
            for row in rows:
                write(values({**filled, **row}))
        else:
            for row in rows:
                write(values(row))


@functools.cache
def _id_sequence(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return cursor.fetchone()[0]


def ids_reserve(*, model: type[models.Model], count: int) -> list[int]:
    """`count` values of the model's id sequence, so COPY can write ids that rows refer to."""
    # The sequence looked up once, not once per value: `pg_get_serial_sequence` in the
    # select list was a catalog lookup per row.
    sequence = _id_sequence(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [row[0] for row in cursor.fetchall()]


def rows_insert(
    *,
    model: type[models.Model],
    rows: list[dict[str, Any]],
    now: dt.datetime,
    need_ids: bool = False,
) -> list[int | None]:
    """Insert `rows`; with `need_ids`, returns their ids (reserved first on PostgreSQL)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        if need_ids and "id" not in rows[0] and model._meta.pk.auto_created:
            for row, pk in zip(rows, ids_reserve(model=model, count=len(rows)), strict=True):
                row["id"] = pk
        rows_copy(model=model, rows=rows, now=now)
        return [row.get("id") for row in rows]
    objs = model._default_manager.bulk_create([model(**row) for row in rows])
    return [obj.pk for obj in objs]


def outbox_fan_out(
    *,
    change_ids: list[int],
    destination_ids: list[int],
    published_ids: Collection[int] = (),
    now: dt.datetime,
) -> None:
    """One outbox row per stored change and destination, made by the database in one statement.

    Each row repeats its change's kind, record and event type: read from the change rows just
    written rather than built and encoded again by Python, two rows per record (measured:
    ~0.6 ms less Python per 500-record batch, the same database time). Ids follow (change,
    destination) order, so a record's events keep their order at every destination. A row
    for one of `published_ids` (destinations that read the feed) is written delivered, as the
    delivery pass would mark it at once; the others pending. The rest of the delivery state is
    the columns' database defaults; the writer's transaction id is given, as the same
    expression as its default.
    """
    if not change_ids or not destination_ids:
        return
    # Imported here: the models import this module's neighbours at load time.
    quote = connection.ops.quote_name
    published = sorted(published_ids)  # may be empty: `= ANY('{}')` / `IN ()` is false
    if connection.vendor == "postgresql":
        member = "= ANY(%s::bigint[])"
        ids = tuple(array_param(v) for v in (change_ids, destination_ids, published))
        # The writer's transaction id (the column's default) once for the statement, as an
        # init plan: as the default, a function call per row, ~0.8 ms a batch.
        txid = f"(SELECT {CURRENT_TXID_SQL})"
    else:  # one parameter either way, however long the batch
        member, ids = (
            "IN (SELECT value FROM json_each(%s))",
            tuple(json.dumps(v) for v in (change_ids, destination_ids, published)),
        )
        txid = "NULL"
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Table names come from the models, never from input; the statuses are our constants.
    sql = (
        f"INSERT INTO {quote(OutboxRow._meta.db_table)} (integration_id, change_id, kind,"  # noqa: S608
        " record_id, event_type, created_at, updated_at, txid, status, delivered_at)"
        f" SELECT d.id, c.id, c.kind, c.record_id, c.event_type, %s, %s, {txid},"
        f" CASE WHEN d.published THEN '{OutboxStatus.DELIVERED}'"
        f" ELSE '{OutboxStatus.PENDING}' END, CASE WHEN d.published THEN %s END"
        f" FROM {quote(Change._meta.db_table)} c, (SELECT id, id {member} AS published"
        f" FROM {quote(Integration._meta.db_table)} WHERE id {member}) d"
        f" WHERE c.id {member} ORDER BY c.id, d.id"
    )
    change_param, destination_param, published_param = ids
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, stamp, stamp, published_param, destination_param, change_param])


# Reads. Plain SQL returning plain tuples: each runs once per batch, and building the same
# query with the ORM (or model instances from its rows) cost more than the query itself.


def receivers_locked(
    *, client_id: str, sender_id: int, kind: str
) -> list[tuple[int, bool, bool, bool]]:
    """(id, include_secondary_members, reads_feed, takes_refs) of the sender and of the
    client's enabled integrations that receive `kind` (not one in a launch preview), locked
    against deletion until the transaction ends (`FOR KEY SHARE`, models/integrity.py).
    `reads_feed`: a push integration without an active webhook (it reads the change feed);
    `takes_refs`: it takes the staff owner or the lead source.

    Whether a receiver reads the feed holds until this transaction ends: a webhook is
    switched on or off only under `routing.feed_switch_lock`, which waits for this lock.
    """
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    quote = connection.ops.quote_name
    table, hooks = quote(Integration._meta.db_table), quote(WebhookEndpoint._meta.db_table)
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT i.id, i.include_secondary_members, i.mode <> %s AND NOT EXISTS"  # noqa: S608 - names are ours
        f" (SELECT 1 FROM {hooks} w WHERE w.integration_id = i.id AND w.active),"
        " i.staff_owner OR i.lead_source"
        f" FROM {table} i WHERE i.client_id = %s AND (i.id = %s OR (i.enabled"
        " AND NOT i.launching AND i.direction IN (%s, %s) AND i.data IN (%s, %s)))"
        f" ORDER BY i.id{lock}"
    )
    params: list[Any] = [Mode.API, client_id, sender_id, Direction.RECEIVE, Direction.BOTH, *data]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (pk, bool(secondary), bool(feed), bool(refs))
            for pk, secondary, feed, refs in cursor.fetchall()
        ]


def links_by_external_id(
    *, integration_id: int, kind: str, external_ids: Collection[str]
) -> dict[str, Any]:
    """{external id: record id} for those of `external_ids` the integration has links for.

    On PostgreSQL one probe of the unique (integration, kind, external_id) index per id,
    whatever the table's statistics say. The plain `external_id IN (...)` next to the other two
    columns let the planner read all of the integration's links and filter them when its
    statistics were stale (say, a new client's first import): a cost that grew with every
    batch (docs/performance.md, "Partner API"). The `LIMIT 1` (the index is unique: at most
    one row anyway) keeps the planner from turning the lookups back into one such scan.
    """
    wanted = sorted(set(external_ids))
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


def rows_by_key_locked(
    model: type[models.Model], *, integration_id: int, column: str, values: Collection[str]
) -> list[tuple[str, int]]:
    """(value, id) of the integration's rows of `model` (remote staff or lead sources) whose
    `column` (an SQL expression of ours) is one of `values`, inactive first then by id, so
    the last one of a value wins.

    On PostgreSQL the rows are locked against deletion until the transaction ends (`FOR KEY
    SHARE`, models/integrity.py) by the same query that finds them: a row deleted before it
    is read is simply not found, and one deleted after waits for the writer.
    """
    wanted = sorted(set(values))
    if not wanted:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    where, params = membership_sql(connection, column, wanted, "text")
    lock = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {column}, id FROM {table} WHERE integration_id = %s AND {where}"  # noqa: S608 - names are ours
        f" ORDER BY active, id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [integration_id, *params])
        return cursor.fetchall()
