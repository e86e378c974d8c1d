"""The sandbox platform's in-memory store: staff, lead sources, prospects and members.

Thread-safe (one lock): the HTTP server answers on many threads at once.
"""

from __future__ import annotations

import base64
import csv
import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

KINDS = {"prospects": "prospect", "members": "member"}
STAFF_COLUMNS = ("external_id", "first_name", "last_name", "email", "active")
_TRUE = {"1", "true", "yes", "y", "t", "on", ""}
_FALSE = {"0", "false", "no", "n", "f", "off"}


FAULT_KINDS = ("500", "429", "timeout", "drop")
_RULES_LOCK = threading.Lock()


@dataclass
class FaultRule:
    """Trouble for the next `times` requests of one call, e.g. `POST /lead-sources` (or for
    every `every`-th of them).

    `fault`: "500", "429" (with Retry-After: 1), "timeout" (the answer comes `seconds` late,
    beyond a client's read timeout) or "drop" (the connection is closed without an answer).
    `after_work`: the platform does the work first (the record is created, only the answer is
    lost), as a real platform does when it fails on the way out; otherwise nothing is done.
    """

    method: str
    path: str  # as in the stats: "/prospects", "/prospects/{id}", "/lead-sources"
    fault: str
    times: int = 1
    after_work: bool = False
    seconds: float = 2.0
    every: int = 1  # only every n-th request of the call (2: one in two fails)
    seen: int = 0

    def __post_init__(self) -> None:
        if self.fault not in FAULT_KINDS:
            raise ValueError(f"fault must be one of {', '.join(FAULT_KINDS)}, not {self.fault!r}")


@dataclass
class Faults:
    """Switches for injected trouble; change them at any time, even while serving."""

    fail_rate: float = 0.0  # share of requests answering 500 (before doing anything)
    rate_limit: float = 0.0  # requests per second; more answer 429 with Retry-After
    latency_ms: int = 0  # every answer waits this long
    drop_rate: float = 0.0  # share of requests whose connection is closed after doing the work
    can_create_lead_sources: bool = True
    rules: list[FaultRule] = field(default_factory=list)  # targeted faults, used up in order

    def rule_for(self, method: str, path: str) -> FaultRule | None:
        """The first rule for this call with requests left (counted down), or None."""
        with _RULES_LOCK:
            for rule in self.rules:
                if rule.times > 0 and (rule.method, rule.path) == (method, path):
                    rule.seen += 1
                    if (rule.seen - 1) % rule.every:
                        continue
                    rule.times -= 1
                    return rule
        return None


class SandboxStore:
    """Everything the sandbox holds; inspect and seed it directly from tests."""

    def __init__(
        self,
        *,
        staff: list[dict[str, Any]] | None = None,
        lead_sources: list[str] | list[dict[str, Any]] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.staff: list[dict[str, Any]] = []
        self.lead_sources: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {"prospect": {}, "member": {}}
        self.by_key: dict[tuple[str, str], str] = {}
        self.stats: Counter[str] = Counter()  # "POST /prospects 201" -> count
        # Every write in the order it happened: (kind, id, "create" | "update", fields).
        self.journal: list[tuple[str, str, str, dict[str, Any]]] = []
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._last_time = datetime.now(UTC) - timedelta(seconds=1)
        for person in staff or []:
            self.staff_add(**person)
        for source in lead_sources or []:
            if isinstance(source, str):
                self.lead_source_create(source)
            else:
                self.lead_source_create(source["name"], id=source.get("id"))

    # --- rosters --------------------------------------------------------------------------

    def staff_add(
        self,
        *,
        id: str,
        first_name: str = "",
        last_name: str = "",
        email: str = "",
        active: bool = True,
    ) -> dict[str, Any]:
        person = {
            "id": str(id),
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "active": bool(active),
        }
        with self.lock:
            self.staff.append(person)
        return person

    def staff_page(self, cursor: str | None, page_size: int) -> tuple[list[dict], str | None]:
        start = int(cursor) if cursor and cursor.isdigit() else 0
        with self.lock:
            page = [dict(p) for p in self.staff[start : start + page_size]]
            more = start + page_size < len(self.staff)
        return page, (str(start + page_size) if more else None)

    def lead_source_create(
        self, name: str, *, id: str | None = None, idempotency_key: str | None = None
    ) -> tuple[dict, bool]:
        """The lead source with this name (case-insensitive), created if new; a known
        idempotency key returns the source its first request created."""
        with self.lock:
            if idempotency_key and ("lead_source", idempotency_key) in self.by_key:
                return dict(self.lead_sources[self.by_key[("lead_source", idempotency_key)]]), False
            for source in self.lead_sources.values():
                if source["name"].casefold() == name.casefold():
                    return dict(source), False
            new_id = str(id) if id else f"LS{next(self._ids)}"
            self.lead_sources[new_id] = {"id": new_id, "name": name, "active": True}
            if idempotency_key:
                self.by_key[("lead_source", idempotency_key)] = new_id
            return dict(self.lead_sources[new_id]), True

    # --- records --------------------------------------------------------------------------

    def _stamp(self) -> dict[str, Any]:
        # Strictly increasing, so `updated_since` + ordering never loses or reorders a change.
        now = datetime.now(UTC)
        if now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)
        self._last_time = now
        return {
            "updated_at": now.isoformat(timespec="microseconds"),
            "_at": now,
            "_seq": next(self._seq),
        }

    def record_create(
        self, kind: str, fields: dict[str, Any], idempotency_key: str | None = None
    ) -> tuple[dict, bool]:
        """(record, created): a known idempotency key returns the first record again."""
        with self.lock:
            if idempotency_key and (kind, idempotency_key) in self.by_key:
                return _public(self.records[kind][self.by_key[(kind, idempotency_key)]]), False
            new_id = f"{kind[0].upper()}{next(self._ids)}"
            record = {**_clean(fields), "id": new_id, **self._stamp(), "_key": idempotency_key}
            self.records[kind][new_id] = record
            if idempotency_key:
                self.by_key[(kind, idempotency_key)] = new_id
            self.journal.append((kind, new_id, "create", _clean(fields)))
            return _public(record), True

    def record_update(self, kind: str, record_id: str, fields: dict[str, Any]) -> dict | None:
        with self.lock:
            record = self.records[kind].get(record_id)
            if record is None:
                return None
            record.update(_clean(fields))
            record.update(self._stamp())
            self.journal.append((kind, record_id, "update", _clean(fields)))
            return _public(record)

    def all_records(self, kind: str) -> list[dict[str, Any]]:
        """Every record of a kind, oldest change first (what tests inspect)."""
        with self.lock:
            ordered = sorted(self.records[kind].values(), key=lambda r: r["_seq"])
            return [_public(r) for r in ordered]

    def writes_in_order(self, kind: str, *, field: str, versions: list[str]) -> bool:
        """Whether every record of `kind` was created once, at `versions[0]`, and its writes'
        `field` never went back in `versions`, ending at the last (checks delivery order)."""
        writes: dict[str, list[tuple[str, Any]]] = {}
        with self.lock:
            for written, record_id, op, fields in self.journal:
                if written == kind:
                    writes.setdefault(record_id, []).append((op, fields.get(field)))
        return all(_versions_in_order(w, versions) for w in writes.values())

    def changed_page(
        self, kind: str, *, since: datetime | None, cursor: str | None, limit: int
    ) -> tuple[list[dict], str | None]:
        """Records changed at or after `since`, after `cursor`, oldest first."""
        after = _cursor_seq(cursor)
        with self.lock:
            rows = sorted(
                (
                    r
                    for r in self.records[kind].values()
                    if r["_seq"] > after and (since is None or r["_at"] >= since)
                ),
                key=lambda r: r["_seq"],
            )
            page = rows[:limit]
            more = len(rows) > limit
            results = [_public(r) for r in page]
        next_cursor = _encode_cursor(page[-1]["_seq"]) if more and page else None
        return results, next_cursor


def _versions_in_order(writes: list[tuple[str, Any]], versions: list[str]) -> bool:
    ops, values = [op for op, _ in writes], [value for _, value in writes]
    if ops.count("create") != 1 or ops[0] != "create" or not set(values) <= set(versions):
        return False
    ranks = [versions.index(value) for value in values]
    return ranks[0] == 0 and ranks[-1] == len(versions) - 1 and ranks == sorted(ranks)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The record's fields; ids and timestamps are the platform's own."""
    return {k: v for k, v in fields.items() if k not in ("id", "updated_at") and k[:1] != "_"}


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _cursor_seq(cursor: str | None) -> int:
    """The position a cursor stands for; ValueError for anything this store did not issue."""
    if not cursor:
        return 0
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        text = raw.decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("cursor is not valid") from None
    if not (text.startswith("s") and text[1:].isdigit()):
        raise ValueError("cursor is not valid")
    return int(text[1:])


def parse_active(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"active must be true or false, not {value!r}")


def load_staff_csv(path: str | Path) -> list[dict[str, Any]]:
    """Staff from a CSV with columns external_id,first_name,last_name,email,active.

    Raises ValueError with the line number for a bad file.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in STAFF_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        staff = []
        for line, row in enumerate(reader, start=2):
            if not (row.get("external_id") or "").strip():
                raise ValueError(f"{path}, line {line}: external_id is empty")
            try:
                active = parse_active(row.get("active") or "")
            except ValueError as exc:
                raise ValueError(f"{path}, line {line}: {exc}") from None
            staff.append(
                {
                    "id": row["external_id"].strip(),
                    "first_name": (row.get("first_name") or "").strip(),
                    "last_name": (row.get("last_name") or "").strip(),
                    "email": (row.get("email") or "").strip(),
                    "active": active,
                }
            )
    return staff
