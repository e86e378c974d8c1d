"""Connections that resolve, check every address, and connect only to a checked one."""

from __future__ import annotations

import socket
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from integrations.outbound.errors import UrlNotAllowed
from integrations.outbound.url_policy import checked_addresses

USER_AGENT = "Connector/1.0"


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
