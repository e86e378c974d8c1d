"""A client's connector data as CSV (issue 19): every prospect and member, and its id in each
of the client's platforms.

    export_request(*, client, acting_user) -> DataExport     # queued: a task builds the file
    export_build(*, export_id)                               # the task: writes it, with progress
    export_path(export) -> Path                              # the finished file
    client_exports_discard(*, client_id)                     # a person was erased

The file is written in the background, a chunk of records at a time, with `rows_done` kept up
so the page can show progress; it lives under VAR_DIR/exports, named by a random token, only
the client's own users may download it, and it is deleted after a day (`exports_expire`).
Erased people are not in it: erasing one deletes the client's exports, made or being made.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from integrations.models import Client, DataExport, ExternalLink, Integration
from integrations.records.shape import KINDS, record_shape

CHUNK = 2000
# What a spreadsheet would read as a formula; a phone number (+12125551234) is not one.
FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d (]))")
KEEP_FOR = dt.timedelta(days=1)
BUILD_TASK = "integrations.tasks.export_build_task"


class ExportDiscarded(Exception):
    """The export was deleted while it was being made (`client_exports_discard`)."""


def export_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def export_path(export: DataExport) -> Path:
    return export_dir() / f"{export.token}.csv"


def export_request(*, client: Client, acting_user: Any) -> DataExport:
    """Queue an export of the client's data (one at a time: a running one is returned)."""
    running = DataExport.objects.filter(
        client=client, status__in=[DataExport.Status.QUEUED, DataExport.Status.RUNNING]
    ).first()
    if running is not None:
        return running
    export = DataExport.objects.create(
        client=client,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None,
        token=secrets.token_hex(24),
    )
    transaction.on_commit(
        lambda: async_task(BUILD_TASK, export.pk, task_name=f"export-{export.pk}")
    )
    return export


def export_build(*, export_id: int) -> None:
    """Write the export's file; marks it ready (or failed, keeping nothing half-written)."""
    export = DataExport.objects.select_related("client").filter(pk=export_id).first()
    if export is None or export.status not in (DataExport.Status.QUEUED, DataExport.Status.RUNNING):
        return
    integrations = list(
        Integration.objects.filter(client=export.client).select_related("platform").order_by("pk")
    )
    models = [record_shape(kind).model for kind in KINDS]
    total = sum(m.objects.filter(client=export.client, erased_at__isnull=True).count()
                for m in models)
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING,
                                                   rows_total=total, rows_done=0)
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            _write(csv.writer(handle), export, integrations)
        partial.chmod(0o600)
        partial.replace(path)
    except ExportDiscarded:
        partial.unlink(missing_ok=True)
        return
    except Exception:
        partial.unlink(missing_ok=True)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED,
                                                       finished_at=timezone.now())
        raise
    ready = DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY, rows_done=total, finished_at=timezone.now()
    )
    if not ready:  # discarded after its last chunk
        path.unlink(missing_ok=True)


def _write(writer: Any, export: DataExport, integrations: list[Integration]) -> None:
    names = list(record_shape("member").names)  # a member's fields include a prospect's
    platforms = [f"id at {integration.platform.name}" for integration in integrations]
    writer.writerow(["kind", "connector_id", *names, "created_at", "updated_at", *platforms])
    done = 0
    for kind in KINDS:
        shape = record_shape(kind)
        records = shape.model.objects.filter(client=export.client, erased_at__isnull=True)
        chunk: list = []
        for record in records.order_by("pk").iterator(chunk_size=CHUNK):
            chunk.append(record)
            if len(chunk) == CHUNK:
                done = _chunk_write(writer, export, integrations, kind, names, chunk, done)
                chunk = []
        if chunk:
            done = _chunk_write(writer, export, integrations, kind, names, chunk, done)


def _chunk_write(
    writer: Any,
    export: DataExport,
    integrations: list[Integration],
    kind: str,
    names: list[str],
    records: list,
    done: int,
) -> int:
    links: dict[tuple[object, int], str] = {
        (record_id, integration_id): external_id
        for record_id, integration_id, external_id in ExternalLink.objects.filter(
            kind=kind, **{f"{kind}__in": records}
        ).values_list(f"{kind}_id", "integration_id", "external_id")
    }
    for record in records:
        values = [_cell(getattr(record, name, "")) for name in names]
        ids = [links.get((record.pk, integration.pk), "") for integration in integrations]
        writer.writerow([kind, record.pk, *values, record.created_at.isoformat(),
                         record.updated_at.isoformat(), *ids])
    done += len(records)
    if not DataExport.objects.filter(pk=export.pk).update(rows_done=done):
        raise ExportDiscarded
    return done


def _cell(value: object) -> object:
    if isinstance(value, dict):
        value = ", ".join(f"{key}: {part}" for key, part in value.items())
    elif hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    if isinstance(value, str) and FORMULA.match(value):
        return "'" + value  # a spreadsheet must not run what a partner typed
    return "" if value is None else value


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete exports (and their files) older than a day; returns how many."""
    return _exports_delete(
        DataExport.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_FOR)
    )


def client_exports_discard(*, client_id: str) -> int:
    """Delete every export of the client and its file, finished or being made (a person was
    erased: they may be in it); returns how many. A build under way stops at its next chunk."""
    return _exports_delete(DataExport.objects.filter(client_id=client_id))


def _exports_delete(exports: QuerySet[DataExport]) -> int:
    for export in exports:
        export_path(export).unlink(missing_ok=True)
    return exports.delete()[0]
