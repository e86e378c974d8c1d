"""Bad input is a field error, never a 500, and never stored where it could break a read
(issue 18: what a probe of the live API found)."""

from __future__ import annotations

import io
import json

import pytest

from integrations.models import Prospect

BASE = "/api/v1/clients/club-a"
ANA = {"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.com"}
LIST_ENDPOINTS = ["/api/v1/clients/", f"{BASE}/changes", f"{BASE}/staff", f"{BASE}/lead-sources"]


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
@pytest.mark.parametrize("limit", ["²", "٣", "1_0", " 5", "0", "1001", "-1", ""])
def test_a_limit_that_is_not_1_to_1000_in_ascii_digits_is_a_field_error(
    api, receiver_api, sender, path, limit
):
    client = receiver_api if path.endswith("changes") else api
    response = client.get(path, {"limit": limit})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"field": "limit", "message": "An integer from 1 to 1000."}
    ]


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_every_list_takes_limit_1_and_1000(api, receiver_api, sender, path):
    client = receiver_api if path.endswith("changes") else api
    assert client.get(path, {"limit": "1"}).status_code == 200
    assert client.get(path, {"limit": "1000"}).status_code == 200


def _chunked_post(api, path: str, body: bytes):
    """POST `body` as a server hands the app a chunked request: the chunks joined in
    wsgi.input, `Transfer-Encoding: chunked` and no Content-Length."""
    return api.generic(
        "POST", path, "", content_type="application/json",
        **{"wsgi.input": io.BytesIO(body), "HTTP_TRANSFER_ENCODING": "chunked",
           "CONTENT_LENGTH": ""},
    )


def _batch_json(count: int, notes: int) -> bytes:
    records = [{**ANA, "external_id": f"C{i}", "notes": "x" * notes} for i in range(count)]
    return json.dumps({"records": records}).encode()


def test_a_chunked_body_over_the_limit_is_413(api, receiver):
    body = _batch_json(3000, 2000)
    assert len(body) > 6 * 2**20
    response = _chunked_post(api, f"{BASE}/prospects/batch", body)
    assert response.status_code == 413
    assert not Prospect.objects.exists()


def test_a_chunked_body_within_the_limit_is_read(api, receiver):
    response = _chunked_post(api, f"{BASE}/prospects/batch", _batch_json(3, 10))
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 3
