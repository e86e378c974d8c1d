"""Read staff exports (`external_id,first_name,last_name,email,active`) into matching records."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from mappings.matching.staff import Staff

COLUMNS = ("external_id", "first_name", "last_name", "email", "active")
TRUE = {"1", "true", "yes", "y", "t", "active", ""}
FALSE = {"0", "false", "no", "n", "f", "inactive"}


class RosterError(ValueError):
    """A malformed roster file; the message names the file and line."""


def _active(value: str, where: str) -> bool:
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise RosterError(f"{where}: active must be true or false, not {value!r}")


def roster_rows(lines: Iterable[str], *, name: str) -> list[Staff]:
    """Parse a roster; raises RosterError with a line-numbered message."""
    reader = csv.reader(lines, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise RosterError(f"{name}:1: missing columns: {', '.join(missing)}")
        at = {c: header.index(c) for c in COLUMNS}
        seen: set[str] = set()
        records = []
        for row in reader:
            where = f"{name}:{reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise RosterError(f"{where}: expected {len(header)} fields, found {len(row)}")
            external_id = row[at["external_id"]].strip()
            if not external_id:
                raise RosterError(f"{where}: external_id is empty")
            if external_id in seen:
                raise RosterError(f"{where}: external_id {external_id!r} appears twice")
            seen.add(external_id)
            records.append(
                Staff(
                    external_id,
                    row[at["first_name"]],
                    row[at["last_name"]],
                    row[at["email"]],
                    _active(row[at["active"]], where),
                )
            )
    except csv.Error as exc:
        raise RosterError(f"{name}:{reader.line_num}: {exc}") from exc
    return records


def roster_read(path: str | Path) -> list[Staff]:
    """Read a roster file (UTF-8, with or without BOM). Raises RosterError."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return roster_rows(handle, name=str(path))
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise RosterError(f"{path}: {exc.strerror}") from exc
