"""`Idempotency-Key` on POSTs (IETF httpapi-idempotency-key-header draft), per partner.

The first request with a key runs and its answer is kept for 24 hours; a retry with the same
key and body gets that answer again (`Idempotent-Replayed: true`); the same key with another
body is 422. Bodies are compared as JSON, not as bytes: the same JSON with other whitespace or
its keys in another order is the same body; a retry while the first is still running is 409.
A claim whose request died (no answer after CLAIM_TIMEOUT) may be taken over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any, cast

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from integrations.api.problems import Conflict, Problem, ValidationProblem
from integrations.models import IdempotencyRecord, Platform

KEEP_FOR = dt.timedelta(hours=24)
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
PURGE_EVERY_SECONDS = 600
KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")
_last_purge = 0.0


class KeyReused(Problem):
    status_code = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with another request"


class KeyInUse(Conflict):
    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is in progress"
    wait = 1


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """What identifies a request: its method, path and parsed JSON body (keys sorted)."""
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson does not write (a lone surrogate): the standard library
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return _fingerprint(method=method, path=path, raw=canonical)


def _fingerprint(*, method: str, path: str, raw: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + raw).hexdigest()


def idempotency_records_purge(*, older_than: dt.timedelta = KEEP_FOR) -> int:
    """Delete kept answers older than `older_than`; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


def _purge_now_and_then() -> None:
    global _last_purge
    if time.monotonic() - _last_purge > PURGE_EVERY_SECONDS:
        _last_purge = time.monotonic()
        idempotency_records_purge()


def _claim(*, platform: Platform, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Our new claim on the key, or None when a record for it already exists."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                platform=platform, key=key, request_fingerprint=fingerprint
            )
    except IntegrityError:
        return None


def _existing(
    *, platform: Platform, key: str, fingerprint: str, raw_fingerprint: str = ""
) -> IdempotencyRecord | None:
    """The kept record for the key, or None when it had expired (then it is gone)."""
    record = IdempotencyRecord.objects.filter(platform=platform, key=key).first()
    if record is None:
        return None
    now = timezone.now()
    abandoned = record.completed_at is None and now - record.created_at > CLAIM_TIMEOUT
    if now - record.created_at > KEEP_FOR or abandoned:
        record.delete()
        return None
    if record.request_fingerprint not in (fingerprint, raw_fingerprint):
        raise KeyReused(
            "This Idempotency-Key was used with a different request body.",
            errors=[{"field": "Idempotency-Key", "message": "Reused with another body."}],
        )
    if record.completed_at is None:
        raise KeyInUse("A request with this Idempotency-Key is still being processed.")
    return record


def idempotent_run(
    *,
    platform: Platform,
    key: str,
    fingerprint: str,
    run: Callable[[], tuple[int, Any]],
    raw_fingerprint: str = "",
) -> tuple[int, Any, bool]:
    """(status, body, replayed): the first answer for this key, or `run()`'s, kept.

    `raw_fingerprint`: the body's bytes fingerprinted as before answers were kept by the
    parsed body, so a retry across the upgrade still finds its answer (for KEEP_FOR after it).
    """
    if not KEY_RE.fullmatch(key):
        raise ValidationProblem(
            "Invalid Idempotency-Key.",
            errors=[{"field": "Idempotency-Key", "message": "1-255 visible ASCII characters."}],
        )
    _purge_now_and_then()
    for _ in range(3):
        record = _claim(platform=platform, key=key, fingerprint=fingerprint)
        if record is not None:
            break
        kept = _existing(
            platform=platform, key=key, fingerprint=fingerprint, raw_fingerprint=raw_fingerprint
        )
        if kept is not None:
            return cast(int, kept.response_status), kept.response_body, True
    else:
        raise KeyInUse("A request with this Idempotency-Key is still being processed.")
    try:
        status, body = run()
    except Exception:
        # Nothing was answered: let a retry run it again.
        record.delete()
        raise
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        response_status=status, response_body=body, completed_at=timezone.now()
    )
    return status, body, False


def idempotent_response(request: Any, run: Callable[[], tuple[int, Any]]) -> Response:
    """A POST's answer: `run()`'s, or with an `Idempotency-Key` header the first answer given
    for that key and body (`Idempotent-Replayed: true` when it is a replay)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        status, body = run()
        return Response(body, status=status)
    fingerprint = request_fingerprint(method="POST", path=request.path, body=request.data)
    status, body, replayed = idempotent_run(
        platform=request.auth.platform,
        key=key,
        fingerprint=fingerprint,
        run=run,
        raw_fingerprint=_fingerprint(method="POST", path=request.path, raw=request.body),
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return Response(body, status=status, headers=headers)
