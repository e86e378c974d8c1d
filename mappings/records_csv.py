"""Read exports for the matching commands: staff rosters and people, into matching records.

- staff: `external_id,first_name,last_name,email,active` → `Staff` (`match_staff_files`)
- people: `external_id,first_name,last_name,email,phone,birth_date` → `Person`
  (`match_records_files`)

UTF-8 with or without a BOM; the header names the columns (any order, any case, others are
ignored); any value but the external id may be empty; blank lines are skipped. A malformed
file raises `RecordsFileError` with the file and line.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from mappings.matching.people import Person
from mappings.matching.staff import Staff

STAFF_COLUMNS = ("external_id", "first_name", "last_name", "email", "active")
PEOPLE_COLUMNS = ("external_id", "first_name", "last_name", "email", "phone", "birth_date")
TRUE = {"1", "true", "yes", "y", "t", "active", ""}
FALSE = {"0", "false", "no", "n", "f", "inactive"}

R = TypeVar("R")
Build = Callable[[dict[str, str], str], R]


class RecordsFileError(ValueError):
    """A malformed export; the message names the file and line."""


def _header(row: list[str], columns: tuple[str, ...], name: str) -> dict[str, int]:
    header = [h.strip().lower() for h in row]
    missing = [c for c in columns if c not in header]
    if missing:
        raise RecordsFileError(f"{name}:1: missing columns: {', '.join(missing)}")
    twice = sorted({c for c in columns if header.count(c) > 1})
    if twice:
        raise RecordsFileError(f"{name}:1: columns named twice: {', '.join(twice)}")
    return {c: header.index(c) for c in columns}


def records_parse(
    lines: Iterable[str], *, name: str, columns: tuple[str, ...], build: Build[R]
) -> list[R]:
    """Parse an export with `build(cells, where)` per row; raises RecordsFileError."""
    reader = csv.reader(lines, strict=True)
    try:
        first = next(reader, None)
        if first is None:
            raise RecordsFileError(f"{name}:1: the file is empty (no header)")
        at = _header(first, columns, name)
        seen: set[str] = set()
        records = []
        for row in reader:
            where = f"{name}:{reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(first):
                raise RecordsFileError(f"{where}: expected {len(first)} fields, found {len(row)}")
            cells = {c: row[i] for c, i in at.items()}
            external_id = cells["external_id"].strip()
            if not external_id:
                raise RecordsFileError(f"{where}: external_id is empty")
            if external_id in seen:
                raise RecordsFileError(f"{where}: external_id {external_id!r} appears twice")
            seen.add(external_id)
            records.append(build({**cells, "external_id": external_id}, where))
    except csv.Error as exc:
        raise RecordsFileError(f"{name}:{reader.line_num}: {exc}") from exc
    return records


def records_read(path: str | Path, *, columns: tuple[str, ...], build: Build[R]) -> list[R]:
    """Read an export file (UTF-8, with or without BOM). Raises RecordsFileError."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return records_parse(handle, name=str(path), columns=columns, build=build)
    except UnicodeDecodeError as exc:
        raise RecordsFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise RecordsFileError(f"{path}: {exc.strerror}") from exc


def _active(value: str, where: str) -> bool:
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RecordsFileError(f"{where}: active must be true or false, not {value!r}")


def staff_record(cells: dict[str, str], where: str) -> Staff:
    return Staff(
        cells["external_id"],
        cells["first_name"],
        cells["last_name"],
        cells["email"],
        _active(cells["active"], where),
    )


def _date(value: str, where: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) != 10:  # fromisoformat would also take 20260101
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RecordsFileError(f"{where}: birth_date must be YYYY-MM-DD, not {value!r}") from None


def person_record(cells: dict[str, str], where: str) -> Person:
    return Person(
        cells["external_id"],
        cells["first_name"],
        cells["last_name"],
        cells["email"],
        cells["phone"],
        _date(cells["birth_date"], where),
    )


def roster_read(path: str | Path) -> list[Staff]:
    """A staff export. Raises RecordsFileError."""
    return records_read(path, columns=STAFF_COLUMNS, build=staff_record)


def people_read(path: str | Path) -> list[Person]:
    """A people export. Raises RecordsFileError."""
    return records_read(path, columns=PEOPLE_COLUMNS, build=person_record)


def decisions_write(out: Any, header: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """The commands' CSV out: one row per decision, the score with two decimals; a reader
    that stops early (`| head`) ends the output quietly."""
    writer = csv.writer(out, lineterminator="\n")
    try:
        writer.writerow(header)
        for record_id, status, target_id, score, reason in rows:
            shown = "" if score is None else f"{score:.2f}"
            writer.writerow([record_id, status, target_id or "", shown, reason])
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
