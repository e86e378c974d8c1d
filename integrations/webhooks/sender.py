"""Send one signed webhook POST (retries and bookkeeping belong to the sync engine)."""

from __future__ import annotations

from dataclasses import dataclass

from integrations import outbound
from integrations.logging_redact import redacted_excerpt
from integrations.webhooks.signing import signed_headers

WEBHOOK_TIMEOUT = 10.0
# The receiver's answer only matters for its status; a short excerpt helps support staff.
ANSWER_BYTES = 64 * 1024
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    status: int | None
    message: str  # plain words for the admin: "Delivered (200)", "The receiver answered 500: ..."
    permanent: bool = False  # retrying cannot help (the URL is not allowed)
    retry_after: float | None = None


def webhook_post(
    *,
    url: str,
    secret: str,
    event_id: str,
    body_bytes: bytes,
    timeout: float = WEBHOOK_TIMEOUT,
    timestamp: int | None = None,
) -> WebhookResult:
    """POST one event, signed; any 2xx is success. Never raises for network or HTTP trouble."""
    headers = signed_headers(secret=secret, msg_id=event_id, body=body_bytes, timestamp=timestamp)
    headers["Content-Type"] = "application/json"
    try:
        answer = outbound.safe_request(
            "POST",
            url,
            headers=headers,
            data=body_bytes,
            timeout=(min(outbound.CONNECT_TIMEOUT, timeout), timeout),
            max_bytes=ANSWER_BYTES,
        )
    except outbound.ResponseTooLarge as exc:
        if exc.status is not None and 200 <= exc.status < 300:
            return WebhookResult(ok=True, status=exc.status, message=f"Delivered ({exc.status})")
        return WebhookResult(ok=False, status=exc.status, message=exc.message)
    except outbound.OutboundError as exc:
        # The contract retries anything but a 2xx (a redirect too: the receiver may fix it);
        # only a URL our rules refuse is permanent, since no retry would ever send it.
        permanent = isinstance(exc, outbound.UrlNotAllowed)
        return WebhookResult(ok=False, status=exc.status, message=exc.message, permanent=permanent)
    if answer.ok:
        return WebhookResult(ok=True, status=answer.status, message=f"Delivered ({answer.status})")
    excerpt = redacted_excerpt(answer.text, EXCERPT_CHARS)  # it goes into delivery errors
    detail = f": {excerpt}" if excerpt else ""
    return WebhookResult(
        ok=False,
        status=answer.status,
        message=f"The receiver answered {answer.status}{detail}",
        retry_after=outbound.retry_after_seconds(answer.headers.get("Retry-After")),
    )
