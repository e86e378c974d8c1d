"""The one way the Connector calls out over HTTP (webhooks and platform adapters).

SSRF safety lives in the connection itself: every new connection resolves the host name,
checks every address it resolved to, and connects to one of those checked addresses while TLS
(SNI, certificate) and the Host header keep the name. A DNS answer that changes between a check
and the connect (rebinding) therefore cannot reach a private address: there is no second lookup.

No redirects, connect/read timeouts, a total time limit, a response-size cap, no proxies or
netrc from the environment, and never a header, body or credential in the logs.
"""

from __future__ import annotations

import ipaddress
import json as _json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.core.exceptions import ValidationError
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import parse_url

logger = logging.getLogger(__name__)
# urllib3 logs every request line, query included, at DEBUG: a query can carry a secret.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "Connector/1.0"
_CHUNK = 8192
_REDIRECTS = {301, 302, 303, 307, 308}

Timeout = float | tuple[float, float] | None


# --- errors -------------------------------------------------------------------------------


class OutboundError(Exception):
    """A call out failed; `permanent` says whether trying again can help."""

    permanent = False

    def __init__(self, message: str, *, host: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.status = status

    def __str__(self) -> str:
        return self.message


class UrlNotAllowed(OutboundError, ValidationError):
    """The URL or an address its host resolves to is not allowed (also a ValidationError)."""

    permanent = True


class OutboundTimeout(OutboundError):
    """No connection or no answer in time."""

    def __init__(self, message: str, *, host: str = "", seconds: float = 0.0, phase: str = "read"):
        super().__init__(message, host=host)
        self.seconds = seconds
        self.phase = phase


class OutboundConnectionError(OutboundError):
    """The host could not be reached or dropped the connection; `reason` in plain words."""

    def __init__(self, message: str, *, host: str = "", reason: str = "") -> None:
        super().__init__(message, host=host)
        self.reason = reason


class RedirectRefused(OutboundError):
    """The server answered with a redirect; redirects are never followed."""

    permanent = True


class ResponseTooLarge(OutboundError):
    """The answer was bigger than the cap; reading stopped there."""

    permanent = True


# --- address policy -------------------------------------------------------------------------

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_HOST_CHARS = re.compile(r"^[A-Za-z0-9.\-_:\[\]]+$")


def _allow_loopback_setting() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "CONNECTOR_ALLOW_LOOPBACK_URLS", False))


def address_problem(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool
) -> str | None:
    """Why this address may not be called, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped, allow_loopback=allow_loopback)
        if allow_loopback and ip.is_loopback:
            return None
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return (
                "an IPv6 address that embeds a private IPv4 address"
                if any(address_problem(v4, allow_loopback=False) for v4 in embedded)
                else None
            )
    elif allow_loopback and ip.is_loopback:
        return None
    return _ip_problem(ip)


def _ip_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and (ip.is_site_local or ip in _NAT64_LOCAL):
        return "a private address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a private address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """IPv4 addresses an IPv6 transition address (6to4, Teredo, NAT64, compatible) carries."""
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _IPV4_COMPATIBLE:
        # Deprecated ::a.b.c.d; '::' and '::1' also land here and must stay refused.
        return [ipaddress.IPv4Address(0)]
    return None


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an IP literal means, in any spelling the C library takes."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    try:
        # inet_aton takes '127.1', '0x7f.1', '2130706433', '0177.0.0.1' - so would connect().
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def validate_outbound_url(url: str, *, allow_loopback: bool | None = None) -> None:
    """Check a URL before saving or sending; raises UrlNotAllowed with the reason.

    Host names are not resolved here: resolution and its check happen at every connect.
    """
    if allow_loopback is None:
        allow_loopback = _allow_loopback_setting()
    scheme, host = _parse(url)
    if scheme not in ("https", "http"):
        raise UrlNotAllowed("The address must start with https://.", host=host)
    if _is_localhost_name(host):
        if allow_loopback:
            return
        raise UrlNotAllowed(f"The address is not allowed: {host} is this machine.", host=host)
    ip = _literal_ip(host)
    if ip is not None:
        _check_literal(host, ip, allow_loopback=allow_loopback)
    # http only to this machine, and only where the development setting allows it.
    if scheme == "http" and not (ip is not None and ip.is_loopback):
        raise UrlNotAllowed("The address must start with https://.", host=host)


def _check_literal(
    host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_loopback: bool
) -> None:
    problem = address_problem(ip, allow_loopback=allow_loopback)
    if ":" not in host and str(ip) != host:
        meaning = f"it means {ip}, {problem}" if problem else f"write it as {ip}"
        raise UrlNotAllowed(
            f"The address is not allowed: {host} is an unusual spelling of an IP address "
            f"({meaning}).",
            host=host,
        )
    if problem:
        raise UrlNotAllowed(f"The address is not allowed: {host} is {problem}.", host=host)


def _parse(url: str) -> tuple[str, str]:
    if not isinstance(url, str) or not url.strip():
        raise UrlNotAllowed("The address is empty.")
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise UrlNotAllowed("The address contains spaces, control characters or backslashes.")
    try:
        parsed = parse_url(url)
    except Exception as exc:  # urllib3 raises LocationParseError and ValueError subclasses
        raise UrlNotAllowed("The address is not a valid URL.") from exc
    scheme = (parsed.scheme or "").lower()
    host = parsed.host or ""
    authority = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    if parsed.auth is not None or "@" in authority:
        raise UrlNotAllowed("The address may not contain a user name or password.", host=host)
    if not host:
        raise UrlNotAllowed("The address has no host name.")
    if not _HOST_CHARS.match(host):
        raise UrlNotAllowed("The host name contains characters that are not allowed.", host=host)
    return scheme, host.lower()


# --- resolution at connect time -------------------------------------------------------------


def _resolve(host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
    """(family, sockaddr) for every address of host; patched in tests to simulate DNS."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    return [(family, sockaddr) for family, _t, _p, _c, sockaddr in infos]


def checked_addresses(
    host: str, port: int, *, allow_loopback: bool
) -> list[tuple[int, tuple[Any, ...]]]:
    """Resolve host and refuse if ANY address is not allowed (a mixed answer is an attack)."""
    name = host.strip("[]")
    if _is_localhost_name(name) and not allow_loopback:
        raise UrlNotAllowed(f"The address is not allowed: {name} is this machine.", host=name)
    addresses = _resolve(name, port)
    for _family, sockaddr in addresses:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        problem = address_problem(ip, allow_loopback=allow_loopback)
        if problem:
            raise UrlNotAllowed(
                f"The address is not allowed: {name} resolves to {problem}.", host=name
            )
    return addresses


def _connect_checked(conn: HTTPConnection, allow_loopback: bool) -> socket.socket:
    """Replacement for urllib3's _new_conn: connect only to an address checked just now."""
    host, port = conn._dns_host, conn.port
    try:
        addresses = checked_addresses(host, port, allow_loopback=allow_loopback)
    except socket.gaierror as exc:
        raise NewConnectionError(conn, f"name not found: {host}") from exc
    last: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(conn.timeout)  # urllib3 sets this to the connect timeout
            sock.connect(sockaddr)
            return sock
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeoutError(conn, f"connect timeout to {host}") from exc
        except OSError as exc:
            sock.close()
            last = exc
    raise NewConnectionError(conn, f"connection failed: {last}") from last


class _StrictHTTP(HTTPConnection):
    allow_loopback = False

    def _new_conn(self) -> socket.socket:
        return _connect_checked(self, self.allow_loopback)


class _StrictHTTPS(HTTPSConnection):
    allow_loopback = False

    def _new_conn(self) -> socket.socket:
        return _connect_checked(self, self.allow_loopback)


class _LoopbackHTTP(_StrictHTTP):
    allow_loopback = True


class _LoopbackHTTPS(_StrictHTTPS):
    allow_loopback = True


def _pool_classes(allow_loopback: bool) -> dict[str, type]:
    http_conn = _LoopbackHTTP if allow_loopback else _StrictHTTP
    https_conn = _LoopbackHTTPS if allow_loopback else _StrictHTTPS
    return {
        "http": type("CheckedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class CheckedAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes through the address check."""

    def __init__(self, *, allow_loopback: bool, **kwargs: Any) -> None:
        self.allow_loopback = allow_loopback
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.allow_loopback)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        raise UrlNotAllowed("Outbound calls never go through a proxy.")


_local = threading.local()


def session(*, allow_loopback: bool) -> requests.Session:
    """This thread's pooled session for the given loopback policy."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if allow_loopback not in sessions:
        s = requests.Session()
        s.trust_env = False  # no proxies, no netrc credentials from the environment
        adapter = CheckedAdapter(allow_loopback=allow_loopback, pool_maxsize=20, max_retries=0)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        s.headers["User-Agent"] = USER_AGENT
        sessions[allow_loopback] = s
    return sessions[allow_loopback]


# --- the request ----------------------------------------------------------------------------


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
    allow_loopback = _allow_loopback_setting()
    validate_outbound_url(url, allow_loopback=allow_loopback)
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


def _read(response: requests.Response, *, host: str, max_bytes: int, deadline: float):
    status = response.status_code
    if status in _REDIRECTS:
        target = parse_url(response.headers.get("Location", "")).host or "another address"
        raise RedirectRefused(
            f"{host} answered with a redirect to {target}; redirects are not followed.",
            host=host,
            status=status,
        )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
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
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None)]
        todo += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
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
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
