"""Bad input is a field error, never a 500, and never stored where it could break a read
(issue 18: what a probe of the live API found)."""

from __future__ import annotations

import pytest

BASE = "/api/v1/clients/club-a"
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
