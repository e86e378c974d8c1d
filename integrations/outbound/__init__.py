"""The one way the Connector calls out over HTTP (webhooks and platform adapters).

SSRF safety lives in the connection itself (connection.py): every new connection resolves the
host name, checks every address it resolved to (url_policy.py), and connects to one of those checked
addresses while TLS (SNI, certificate) and the Host header keep the name. A DNS answer that
changes between a check and the connect (rebinding) cannot reach a private address: there is no
second lookup.

No redirects, connect/read timeouts, a total time limit, a response-size cap, no proxies or
netrc from the environment, and never a header, body or credential in the logs (request.py).
"""

from integrations.outbound.connection import session
from integrations.outbound.errors import (
    OutboundConnectionError,
    OutboundError,
    OutboundTimeout,
    RedirectRefused,
    ResponseTooLarge,
    UrlNotAllowed,
)
from integrations.outbound.request import (
    CONNECT_TIMEOUT,
    MAX_RESPONSE_BYTES,
    READ_TIMEOUT,
    SafeResponse,
    connection_reason,
    retry_after_seconds,
    safe_request,
)
from integrations.outbound.url_policy import (
    address_problem,
    checked_addresses,
    validate_outbound_url,
    validate_saved_url,
)

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_RESPONSE_BYTES",
    "READ_TIMEOUT",
    "OutboundConnectionError",
    "OutboundError",
    "OutboundTimeout",
    "RedirectRefused",
    "ResponseTooLarge",
    "SafeResponse",
    "UrlNotAllowed",
    "address_problem",
    "checked_addresses",
    "connection_reason",
    "retry_after_seconds",
    "safe_request",
    "session",
    "validate_outbound_url",
    "validate_saved_url",
]
