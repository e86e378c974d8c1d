"""A staff or lead-source roster's entries, checked and normalized: the partner API's
`PUT .../staff` and `.../lead-sources` and fetching an `api` platform's lists alike, by the
rules of the record's own values (an external id, names, an email)."""

from __future__ import annotations

from typing import Any

from integrations.records.values import (
    FieldError,
    Normalizer,
    email_value,
    external_id_value,
    string_value,
)


def _required_name(value: Any, field: str, problems: list[FieldError]) -> str | None:
    name = string_value(value, field, problems, 100)
    if name == "":
        problems.append({"field": field, "message": "Required."})
    return name


STAFF_FIELDS: dict[str, Normalizer] = {
    "first_name": lambda v, f, e: string_value(v, f, e, 100),
    "last_name": lambda v, f, e: string_value(v, f, e, 100),
    "email": email_value,
}
LEAD_SOURCE_FIELDS: dict[str, Normalizer] = {"name": _required_name}


def roster_entry(
    item: Any, at: str, fields: dict[str, Normalizer]
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """One entry normalized (None when it is not an object) and its problems; `at` prefixes
    each problem's field ("staff[3].")."""
    problems: list[FieldError] = []
    if not isinstance(item, dict):
        return None, [{"field": at[:-1], "message": "Must be an object."}]
    entry: dict[str, Any] = {
        "external_id": external_id_value(item.get("external_id"), at + "external_id", problems)
    }
    for name, normalize in fields.items():
        entry[name] = normalize(item.get(name), at + name, problems) or ""
    active = item.get("active", True)
    if not isinstance(active, bool):
        problems.append({"field": at + "active", "message": "Must be true or false."})
    entry["active"] = active is not False
    return entry, problems


def roster_entries(
    items: list, *, key: str, fields: dict[str, Normalizer]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Every entry normalized, and every problem of any of them (duplicate ids too)."""
    out: list[dict[str, Any]] = []
    problems: list[FieldError] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        at = f"{key}[{index}]."
        entry, found = roster_entry(item, at, fields)
        problems += found
        if entry is None:
            continue
        ext = entry["external_id"]
        if ext is not None and ext in seen:
            problems.append(
                {"field": at + "external_id", "message": f"Duplicate of {key}[{seen[ext]}]."}
            )
        if ext is not None:
            seen.setdefault(ext, index)
        out.append(entry)
    return out, problems
