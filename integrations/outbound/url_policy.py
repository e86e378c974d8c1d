"""Which URLs and addresses the Connector may call (checked on save, send and connect)."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from urllib3.util import parse_url

from integrations.outbound.errors import UrlNotAllowed

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_HOST_CHARS = re.compile(r"^[A-Za-z0-9.\-_:\[\]]+$")


def allow_loopback_setting() -> bool:
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


def is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def validate_outbound_url(
    url: str, *, allow_loopback: bool | None = None, resolve: bool = True
) -> None:
    """Check a URL before saving or sending; raises UrlNotAllowed with the reason.

    With `resolve` (on save) a host name is looked up and every address checked; a name that
    does not resolve yet is accepted, since every connect resolves and checks again anyway.
    """
    if allow_loopback is None:
        allow_loopback = allow_loopback_setting()
    scheme, host = _parse(url)
    if scheme not in ("https", "http"):
        raise UrlNotAllowed("The address must start with https://.", host=host)
    if is_localhost_name(host):
        if allow_loopback:
            return
        raise UrlNotAllowed(f"The address is not allowed: {host} is this machine.", host=host)
    ip = _literal_ip(host)
    if ip is not None:
        _check_literal(host, ip, allow_loopback=allow_loopback)
    # http only to this machine, and only where the development setting allows it.
    if scheme == "http" and not (ip is not None and ip.is_loopback):
        raise UrlNotAllowed("The address must start with https://.", host=host)
    if resolve and ip is None:
        _check_resolved(host, parse_url(url).port or 443, allow_loopback=allow_loopback)


def validate_saved_url(url: str) -> None:
    """The one check of a URL the Connector will call, wherever it is saved: client pages,
    the support admin, launch commands, the webhook API. A well-formed http(s) URL first, then
    `validate_outbound_url`; raises UrlNotAllowed, in the words every entry point shows."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise UrlNotAllowed("Enter the address as https://…") from None
    validate_outbound_url(url)


def _check_resolved(host: str, port: int, *, allow_loopback: bool) -> None:
    # A name that does not resolve now is left to the check at connect time.
    with contextlib.suppress(OSError, UnicodeError):
        checked_addresses(host, port, allow_loopback=allow_loopback)


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


def _resolve(host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
    """(family, sockaddr) for every address of host; patched in tests to simulate DNS."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    return [(family, sockaddr) for family, _t, _p, _c, sockaddr in infos]


def checked_addresses(
    host: str, port: int, *, allow_loopback: bool
) -> list[tuple[int, tuple[Any, ...]]]:
    """Resolve host and refuse if ANY address is not allowed (a mixed answer is an attack)."""
    name = host.strip("[]")
    if is_localhost_name(name) and not allow_loopback:
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
