"""Standard Webhooks signatures (https://www.standardwebhooks.com/), exactly as partner-api.md.

webhook-signature = "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where key is
the base64-decoded part of the secret after "whsec_".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
DEFAULT_TOLERANCE = 5 * 60


class SignatureError(Exception):
    """A webhook did not verify: missing header, stale timestamp or no matching signature."""


def generate_secret() -> str:
    """A new signing secret: 'whsec_' + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a secret stands for; raises ValueError for a malformed secret."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The webhook secret is not valid base64 after 'whsec_'.") from exc
    if not key:
        raise ValueError("The webhook secret is empty.")
    return key


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The webhook-signature value for one message: 'v1,<base64 HMAC-SHA256>'."""
    signed = f"{msg_id}.{timestamp}.".encode() + _as_bytes(body)
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    *, secret: str, msg_id: str, body: bytes | str, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for a body (timestamp: now, Unix seconds)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret=secret, msg_id=msg_id, timestamp=ts, body=body),
    }


def verify(
    *,
    secret: str,
    headers: dict[str, str],
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> None:
    """Check a received webhook; raises SignatureError. Header names are case-insensitive."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    raw_ts = lower.get("webhook-timestamp")
    header = lower.get("webhook-signature")
    if not (msg_id and raw_ts and header):
        raise SignatureError("Missing webhook-id, webhook-timestamp or webhook-signature.")
    try:
        ts = int(raw_ts)
    except ValueError as exc:
        raise SignatureError("webhook-timestamp is not a number.") from exc
    current = int(time.time()) if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError("webhook-timestamp is too far from now.")
    expected = sign(secret=secret, msg_id=msg_id, timestamp=ts, body=body)
    # The header may carry several space-separated signatures (key rotation).
    if not any(hmac.compare_digest(expected, candidate) for candidate in header.split()):
        raise SignatureError("No signature matches.")
