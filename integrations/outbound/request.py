"""safe_request: one HTTP call under the outbound rules, with errors in plain words."""

from __future__ import annotations

import json as _json
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.util import parse_url

from integrations.outbound.connection import session
from integrations.outbound.errors import (
    OutboundConnectionError,
    OutboundError,
    OutboundTimeout,
    RedirectRefused,
    ResponseTooLarge,
)
from integrations.outbound.url_policy import allow_loopback_setting, validate_outbound_url

logger = logging.getLogger(__name__)
# urllib3 logs every request line, query included, at DEBUG: a query can carry a secret.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 1024 * 1024
_CHUNK = 8192
_REDIRECTS = {301, 302, 303, 307, 308}

Timeout = float | tuple[float, float] | None


@dataclass
class SafeResponse:
    status: int
    headers: CaseInsensitiveDict[str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return _json.loads(self.body) if self.body else None


def _timeouts(timeout: Timeout) -> tuple[float, float]:
    if timeout is None:
        return CONNECT_TIMEOUT, READ_TIMEOUT
    if isinstance(timeout, tuple):
        return float(timeout[0]), float(timeout[1])
    return min(CONNECT_TIMEOUT, float(timeout)), float(timeout)


def safe_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json: Any = None,
    data: bytes | None = None,
    params: dict[str, Any] | None = None,
    timeout: Timeout = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> SafeResponse:
    """One HTTP call under the outbound rules.

    Raises UrlNotAllowed, OutboundTimeout, OutboundConnectionError, RedirectRefused,
    ResponseTooLarge (all OutboundError). Any status code is returned, except redirects.
    """
    allow_loopback = allow_loopback_setting()
    validate_outbound_url(url, allow_loopback=allow_loopback, resolve=False)
    host = parse_url(url).host or ""
    connect, read = _timeouts(timeout)
    started = time.monotonic()
    try:
        response = session(allow_loopback=allow_loopback).request(
            method,
            url,
            headers=headers,
            json=json,
            data=data,
            params=params,
            timeout=(connect, read),
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        raise _translate(exc, host=host, connect=connect, read=read) from None
    try:
        result = _read(response, host=host, max_bytes=max_bytes, deadline=started + connect + read)
    finally:
        response.close()
    logger.debug(
        "outbound %s %s -> %s in %.0f ms",
        method,
        _loggable(url),
        result.status,
        (time.monotonic() - started) * 1000,
    )
    return result


def _read(
    response: requests.Response, *, host: str, max_bytes: int, deadline: float
) -> SafeResponse:
    status = response.status_code
    if status in _REDIRECTS:
        target = parse_url(response.headers.get("Location", "")).host or "another address"
        raise RedirectRefused(
            f"{host} answered with a redirect to {target}; redirects are not followed.",
            host=host,
            status=status,
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(host, status, max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.raw.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(host, status, max_bytes)
            if time.monotonic() > deadline:
                raise OutboundTimeout(
                    f"{host} took too long to send its answer.",
                    host=host,
                    phase="read",
                    seconds=round(deadline - time.monotonic(), 1),
                )
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise _translate(exc, host=host, connect=0, read=0) from None
    except Exception as exc:  # urllib3 read errors surface unwrapped from raw.stream
        if isinstance(exc, OutboundError):
            raise
        raise _translate_raw(exc, host=host) from None
    return SafeResponse(status=status, headers=response.headers, body=b"".join(chunks))


def _too_large(host: str, status: int, max_bytes: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"{host} sent an answer larger than {max_bytes // 1024} KiB; it was not read.",
        host=host,
        status=status,
    )


def _loggable(url: str) -> str:
    """scheme://host/path only: queries and userinfo can carry secrets."""
    parsed = parse_url(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path or ''}"


def _translate(
    exc: requests.RequestException, *, host: str, connect: float, read: float
) -> OutboundError:
    for inner in _chain(exc):
        if isinstance(inner, OutboundError):
            return inner
    if isinstance(exc, requests.ConnectTimeout):
        return OutboundTimeout(
            f"{host} did not accept a connection within {connect:g} seconds.",
            host=host,
            seconds=connect,
            phase="connect",
        )
    if isinstance(exc, requests.ReadTimeout):
        return OutboundTimeout(
            f"{host} did not answer within {read:g} seconds.",
            host=host,
            seconds=read,
            phase="read",
        )
    reason = connection_reason(exc)
    return OutboundConnectionError(f"Could not reach {host}: {reason}.", host=host, reason=reason)


def _translate_raw(exc: Exception, *, host: str) -> OutboundError:
    if any(isinstance(e, (TimeoutError, socket.timeout)) for e in _chain(exc)) or (
        "timed out" in str(exc).lower()
    ):
        return OutboundTimeout(f"{host} stopped sending its answer.", host=host, phase="read")
    reason = connection_reason(exc)
    return OutboundConnectionError(f"Could not reach {host}: {reason}.", host=host, reason=reason)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, and urllib3's wrapped `reason`s."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen) or len(seen) > 20:
            continue
        seen.append(item)
        linked = [item.__cause__, item.__context__, getattr(item, "reason", None)]
        linked += list(getattr(item, "args", ()))
        # ssl.SSLError.reason is a string: only exceptions go on the list.
        todo += [e for e in linked if isinstance(e, BaseException)]
    return seen


def connection_reason(exc: BaseException) -> str:
    """Plain words for why a connection failed."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain) or "name not found" in text:
        return "the host name could not be found"
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset" in text:
        return "the connection was reset"
    if "ssl" in text or "certificate" in text:
        return "a secure connection could not be made"
    if "aborted" in text or "remote end closed" in text or "protocol" in text:
        return "the connection was dropped"
    return "the connection failed"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent or odd."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not '²', which isdigit() takes and float() not
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
