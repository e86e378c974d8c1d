"""Standard Webhooks signing (published vector, independent verifier) and the sender."""

from __future__ import annotations

import base64
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations.webhooks.sender import webhook_post
from integrations.webhooks.signing import (
    SignatureError,
    generate_secret,
    sign,
    signed_headers,
    verify,
)

# The Standard Webhooks specification's published example (libraries' test_sign_function).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_PAYLOAD = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_specification_example():
    got = sign(secret=SPEC_SECRET, msg_id=SPEC_MSG_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_PAYLOAD)
    assert got == SPEC_SIGNATURE


def test_signature_over_bytes_equals_signature_over_text():
    as_bytes = sign(
        secret=SPEC_SECRET,
        msg_id=SPEC_MSG_ID,
        timestamp=SPEC_TIMESTAMP,
        body=SPEC_PAYLOAD.encode(),
    )
    assert as_bytes == SPEC_SIGNATURE


def test_generated_secret_has_the_prefix_and_enough_randomness():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert generate_secret() != secret


def test_the_reference_library_verifies_our_headers():
    secret = generate_secret()
    body = json.dumps({"event": "prospect.updated", "name": "Zoë"}).encode()
    headers = signed_headers(secret=secret, msg_id="evt_42", body=body)
    assert Webhook(secret).verify(body, headers) == {"event": "prospect.updated", "name": "Zoë"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_our_verifier_accepts_the_reference_library_signature():
    secret = generate_secret()
    now = int(time.time())
    from datetime import UTC, datetime

    reference = Webhook(secret).sign("evt_7", datetime.fromtimestamp(now, UTC), "{}")
    headers = {"webhook-id": "evt_7", "webhook-timestamp": str(now), "webhook-signature": reference}
    verify(secret=secret, headers=headers, body=b"{}")


def test_verify_rejects_tampering_and_stale_timestamps():
    headers = signed_headers(
        secret=SPEC_SECRET, msg_id=SPEC_MSG_ID, body=SPEC_PAYLOAD, timestamp=SPEC_TIMESTAMP
    )
    verify(secret=SPEC_SECRET, headers=headers, body=SPEC_PAYLOAD, now=SPEC_TIMESTAMP + 10)
    with pytest.raises(SignatureError):
        verify(secret=SPEC_SECRET, headers=headers, body=SPEC_PAYLOAD + " ", now=SPEC_TIMESTAMP)
    with pytest.raises(SignatureError):
        verify(secret=SPEC_SECRET, headers=headers, body=SPEC_PAYLOAD, now=SPEC_TIMESTAMP + 3600)
    with pytest.raises(SignatureError):
        verify(secret=SPEC_SECRET, headers={}, body=SPEC_PAYLOAD)


def test_malformed_secret_is_refused():
    with pytest.raises(ValueError, match="base64"):
        sign(secret="whsec_not base64!", msg_id="a", timestamp=1, body="")


def test_webhook_post_delivers_a_signed_event(loopback_on, local_server):
    secret = generate_secret()
    body = b'{"id": "evt_1", "type": "prospect.created"}'
    result = webhook_post(
        url=local_server.url + "/hook", secret=secret, event_id="evt_1", body_bytes=body
    )
    assert result.ok and result.status == 200
    received = local_server.received[0]
    assert received["body"] == body
    assert received["headers"]["webhook-id"] == "evt_1"
    assert received["headers"]["Content-Type"] == "application/json"
    Webhook(secret).verify(received["body"], received["headers"])


def test_webhook_post_reports_a_failing_receiver(loopback_on, local_server):
    result = webhook_post(
        url=local_server.url + "/down", secret=generate_secret(), event_id="e", body_bytes=b"{}"
    )
    assert not result.ok and not result.permanent
    assert result.status == 503
    assert result.message == "The receiver answered 503: down for maintenance"


def test_webhook_post_reports_retry_after(loopback_on, local_server):
    result = webhook_post(
        url=local_server.url + "/status/429",
        secret=generate_secret(),
        event_id="e",
        body_bytes=b"{}",
    )
    assert not result.ok and result.retry_after == 7.0


def test_webhook_post_times_out(loopback_on, local_server):
    local_server.httpd.slow_seconds = 2
    result = webhook_post(
        url=local_server.url + "/slow",
        secret=generate_secret(),
        event_id="e",
        body_bytes=b"{}",
        timeout=0.5,
    )
    assert not result.ok and not result.permanent
    assert "did not answer within 0.5 seconds" in result.message


def test_webhook_post_refuses_a_redirect_and_a_private_url(loopback_on, local_server, settings):
    result = webhook_post(
        url=local_server.url + "/redirect",
        secret=generate_secret(),
        event_id="e",
        body_bytes=b"{}",
    )
    assert not result.ok and not result.permanent and "redirect" in result.message
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    result = webhook_post(
        url=local_server.url + "/hook", secret=generate_secret(), event_id="e", body_bytes=b"{}"
    )
    assert not result.ok and result.permanent and "not allowed" in result.message
    assert len(local_server.received) == 1


def test_webhook_post_when_nobody_listens(loopback_on):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = webhook_post(
        url=f"http://127.0.0.1:{port}/", secret=generate_secret(), event_id="e", body_bytes=b"{}"
    )
    assert not result.ok and not result.permanent
    assert result.message == "Could not reach 127.0.0.1: connection refused."
