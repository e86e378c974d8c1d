"""Schemathesis hooks (SCHEMATHESIS_HOOKS) of tests/api/test_schemathesis.py: what the
schema says in words, where a JSON schema cannot say it.

- Values of the formats the schema names: a `phone` phonenumbers calls valid, a
  `page-cursor` / `feed-cursor` the API could have handed out, an https `uri` on a reserved
  name (.example: it never resolves, so the address policy and DNS answer at once), and a
  `date-time` from 1900 to now (the schema's pattern says from 1900; "at most 24 hours ahead"
  depends on the clock).
- A list of entries with external ids never names one twice (a batch, a roster): a drawn list
  that does is given other ids, as a partner's list would be.
- A partner's Idempotency-Key names one request: a drawn key is made that request's own (the
  same key with another body is a 422, as it should be).
- A batch answers 200 with a result per record, a bad record being its own "error": the
  batch check is negative_data_rejection and positive_data_acceptance per record (every record
  the schema calls invalid is an error, every valid one is stored, but for a record it names
  that does not exist).
- A "negative" case whose one mutation Schemathesis itself replaced by a valid value it reused
  (a real external_id drawn from an earlier answer, in the stateful phase) is a positive case:
  its description says so, and the API rightly takes it. That is Schemathesis's mistake, not
  the API's: such an ST201 is dropped (the output counts what `filter_failure` dropped).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from typing import Any

import jsonschema_rs
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import AcceptedNegativeData

LISTS = ("records", "staff", "lead_sources")
# Errors a schema-valid record may still get: a record it names that does not exist, or is
# linked otherwise (partner-api.md: `connector_id`, `prospect_external_id`).
STATEFUL_FIELDS = {"connector_id", "prospect_external_id"}


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


_NANP = st.integers(2_000_000, 9_999_999).map(lambda n: f"+1212{n}")
schemathesis.openapi.format(
    "phone",
    _NANP | st.sampled_from(["+44 7911 123456", "+1 212-555-0123 ext. 42", "+46701234567"]),
)
schemathesis.openapi.format("page-cursor", st.integers(0, 2**40).map(lambda n: _b64(f"p1.{n}")))
schemathesis.openapi.format(
    "feed-cursor",
    st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)).map(
        lambda pair: _b64(f"c1.{pair[0]}.{pair[1]}")
    ),
)
_LABEL = st.from_regex(r"\A[a-z0-9]{1,20}\Z")
schemathesis.openapi.format(
    "uri",
    st.tuples(_LABEL, _LABEL).map(lambda parts: f"https://{parts[0]}.example/{parts[1]}"),
)
_OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2),  # noqa: DTZ001 - made aware by `timezones`
        max_value=dt.datetime.now() - dt.timedelta(days=2),  # noqa: DTZ005
        timezones=_OFFSETS,
    ).map(dt.datetime.isoformat),
)


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    """No external_id twice in a list: a repeated one is made another (the same length and
    ends, so a valid id stays valid and an invalid one invalid)."""
    if not isinstance(body, dict):
        return body
    for key in LISTS:
        entries = body.get(key)
        if isinstance(entries, list):
            _ids_made_unique(entries)
    return body


def _ids_made_unique(entries: list) -> None:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        ext = entry.get("external_id") if isinstance(entry, dict) else None
        if not isinstance(ext, str):
            continue
        while ext in seen:
            ext = _other_id(ext, index)
            index += len(entries)
        entry["external_id"] = ext
        seen.add(ext)


def _other_id(ext: str, index: int) -> str:
    tag = f"{index}~"
    if len(ext) <= 1:
        return tag + ext if ext else ext
    if len(ext) + len(tag) <= 100:
        return ext[0] + tag + ext[1:]
    return ext[0] + tag + ext[1 + len(tag):]


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """A valid Idempotency-Key made this body's own (an invalid one stays invalid)."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[!-~]{1,255}", key):
        body = json.dumps(case.body, sort_keys=True, default=str).encode()
        case.headers["Idempotency-Key"] = f"{key[:238]}.{hashlib.sha256(body).hexdigest()[:16]}"
    return case


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False (dropped) for an ST201 on a case Schemathesis describes as positive."""
    data = case.meta.phase.data if case.meta is not None else None
    described = getattr(data, "description", "") or ""
    return not (isinstance(failure, AcceptedNegativeData) and described == "Positive test case")


@schemathesis.check
def batch_records_judged_one_by_one(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every record of a batch the schema calls invalid comes back an error; every valid one
    is taken (but for a record it names that does not exist)."""
    if case.method != "POST" or not case.operation.path.endswith("/batch"):
        return None
    if response.status_code != 200:
        return None
    records = case.body.get("records") if isinstance(case.body, dict) else None
    if not isinstance(records, list):
        return None
    valid = _record_validator(case.operation)

    for index, (record, result) in enumerate(zip(records, response.json()["results"],
                                                 strict=True)):
        fields = {e["field"].split(".")[0] for e in result["errors"]}
        if valid(record):
            assert result["status"] != "error" or fields <= STATEFUL_FIELDS, (
                f"records[{index}] is valid by the schema and was refused: {result['errors']}"
            )
        else:
            assert result["status"] == "error", (
                f"records[{index}] is invalid by the schema and was taken ({result['status']})"
            )
    return None


def _record_validator(operation: Any) -> Any:
    """Whether a record is valid by the batch item's schema (as Schemathesis reads it)."""
    root = next(iter(operation.body)).validation_schema  # {"$ref", "x-bundled": {...}}
    bundle = root["x-bundled"]
    batch = bundle[root["$ref"].rsplit("/", 1)[1]]
    item = {**batch["properties"]["records"]["items"], "x-bundled": bundle}
    return jsonschema_rs.validator_for(item, validate_formats=True).is_valid
