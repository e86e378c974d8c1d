"""Sending one event to a webhook partner: a signed POST, same `webhook-id` on every retry."""

from __future__ import annotations

import json
from typing import Any

from integrations.models import WebhookEndpoint
from integrations.sync.delivery.outcomes import DELIVERED, FAILED, RATE_LIMITED, RETRY, Outcome
from integrations.webhooks.sender import webhook_post


def event_body(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), default=str).encode()


def send_webhook_event(*, endpoint: WebhookEndpoint, event: dict[str, Any]) -> Outcome:
    """POST the event; the event id is the `webhook-id`, so receivers drop duplicates."""
    result = webhook_post(
        url=endpoint.url,
        secret=endpoint.secret,
        event_id=str(event["id"]),
        body_bytes=event_body(event),
    )
    if result.ok:
        return Outcome(DELIVERED)
    if result.status == 429:
        return Outcome(RATE_LIMITED, error=result.message, retry_after=result.retry_after)
    if result.permanent:
        return Outcome(FAILED, error=result.message)
    # Any other answer is retried on the webhook schedule: a receiver's 4xx is often a bug
    # or an outage on its side that it fixes (Standard Webhooks practice).
    return Outcome(RETRY, error=result.message, retry_after=result.retry_after)
