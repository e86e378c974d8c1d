"""Keys, tenant scope, throttling and the problem+json shape on every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey, IdempotencyRecord, Prospect
from integrations.services.launch import api_key_issue, api_key_revoke
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

BASE = "/api/v1/clients/club-a"
ANA = {"first_name": "Ana", "last_name": "Lopez"}
ENDPOINTS = [
    ("get", "/"),
    ("get", "/prospects/P1"),
    ("put", "/prospects/P1"),
    ("post", "/prospects/batch"),
    ("get", "/members/M1"),
    ("put", "/members/M1"),
    ("post", "/members/batch"),
    ("get", "/staff"),
    ("put", "/staff"),
    ("get", "/lead-sources"),
    ("put", "/lead-sources"),
    ("get", "/changes"),
    ("post", "/links"),
    ("put", "/webhook"),
    ("delete", "/webhook"),
]


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_partner_not_integrated_with_the_client_gets_404_everywhere(club, sender, method, path):
    stranger = IntegrationFactory(client=ClientFactory(), platform=PlatformFactory())
    client = bearer(api_key_issue(platform=stranger.platform)[1])
    response = getattr(client, method)(f"{BASE}{path}", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_key_is_401_everywhere(club, method, path):
    response = getattr(APIClient(), method)(f"{BASE}{path}", {}, format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer cpk_nope", "Bearer ", "Basic abc", "Bearer not-a-key", "Bearer cpk_" + "x" * 300],
)
def test_invalid_keys_are_401(club, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/clients/").status_code == 401


def test_revoked_key_is_401(sender):
    api_key, raw = api_key_issue(platform=sender.platform)
    client = bearer(raw)
    assert client.get("/api/v1/clients/").status_code == 200
    api_key_revoke(api_key=api_key)
    assert client.get("/api/v1/clients/").status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(sender, django_assert_num_queries):
    api_key, raw = api_key_issue(platform=sender.platform)
    client = bearer(raw)
    client.get("/api/v1/clients/")
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    client.get("/api/v1/clients/")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/clients/")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first


def test_clients_list_shows_only_integrated_clients_with_options(api, sender):
    IntegrationFactory()  # another client, another platform
    other = IntegrationFactory(platform=sender.platform, direction="send", data="prospects")
    body = api.get("/api/v1/clients/").json()
    assert {c["id"] for c in body["results"]} == {"club-a", other.client_id}
    assert body["next"] is None
    detail = api.get(f"{BASE}/").json()
    assert detail == {
        "id": "club-a",
        "name": "Club A",
        "integration": {
            "direction": "both",
            "data": "both",
            "staff_owner": True,
            "lead_source": True,
            "enabled": True,
        },
    }


def test_clients_list_paginates_with_a_cursor(api, sender):
    for _ in range(3):
        IntegrationFactory(platform=sender.platform)
    first = api.get("/api/v1/clients/?limit=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert api.get("/api/v1/clients/?limit=1001").status_code == 400
    assert api.get("/api/v1/clients/?cursor=zzz").status_code == 400


def test_over_the_rate_limit_is_429_with_retry_after(api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CONNECTOR_API_RATE = "3/min"
    statuses = [api.get("/api/v1/clients/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/clients/")
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60
    cache.clear()


def test_unknown_path_and_wrong_method_are_problems(api):
    unknown = api.get("/api/v1/nothing/here")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"
    wrong = api.delete(f"{BASE}/prospects/batch")
    assert wrong.status_code == 405
    assert wrong["Content-Type"] == "application/problem+json"


def test_wrong_content_type_is_415_problem(api):
    response = api.generic("PUT", f"{BASE}/prospects/P1", b"a=b", content_type="text/plain")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_idempotency_key_replays_the_first_answer(api, receiver):
    body = {"records": [{"external_id": "P1", **ANA}]}
    first = api.post(f"{BASE}/prospects/batch", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post(f"{BASE}/prospects/batch", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json() == again.json()
    assert first.json()["results"][0]["status"] == "created"
    assert again["Idempotent-Replayed"] == "true"
    assert Prospect.objects.count() == 1


def test_idempotency_key_with_another_body_is_422(api, receiver):
    body = {"records": [{"external_id": "P1", **ANA}]}
    api.post(f"{BASE}/prospects/batch", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = {"records": [{"external_id": "P2", **ANA}]}
    response = api.post(f"{BASE}/prospects/batch", other, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert not Prospect.objects.filter(links__external_id="P2").exists()


def test_the_same_json_spelled_otherwise_is_the_same_body(api, receiver):
    """Whitespace and key order are not the body: a retry that re-serialized it replays."""
    import json

    path = f"{BASE}/prospects/batch"
    body = {"records": [{"external_id": "P1", **ANA}]}
    first = api.generic("POST", path, json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k1")
    respelled = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=True)
    again = api.generic("POST", path, respelled, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = json.dumps({"records": [{"external_id": "P1", **ANA, "email": "a@b.example"}]})
    reused = api.generic("POST", path, other, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k1")
    assert reused.status_code == 422


def test_an_answer_kept_by_the_raw_body_before_the_upgrade_still_replays(api, sender, receiver):
    import hashlib
    import json

    path = f"{BASE}/prospects/batch"
    raw = json.dumps({"records": [{"external_id": "P1", **ANA}]}).encode()
    IdempotencyRecord.objects.create(
        platform=sender.platform, key="k1", response_status=200,
        response_body={"results": []}, completed_at=timezone.now(),
        request_fingerprint=hashlib.sha256(b"POST " + path.encode() + b"\n" + raw).hexdigest(),
    )
    response = api.generic(
        "POST", path, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert response.status_code == 200 and response["Idempotent-Replayed"] == "true"


def test_idempotency_key_still_running_is_409(api, sender, receiver):
    import json

    from integrations.api.idempotency import request_fingerprint

    body = {"records": [{"external_id": "P1", **ANA}]}
    path = f"{BASE}/prospects/batch"
    raw = json.dumps(body).encode()
    IdempotencyRecord.objects.create(
        platform=sender.platform,
        key="k1",
        request_fingerprint=request_fingerprint(method="POST", path=path, body=body),
    )
    response = api.generic(
        "POST", path, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert response.status_code == 409
    assert "Retry-After" in response


def test_idempotency_keys_are_per_partner_and_expire(api, sender, receiver):
    from integrations.api.idempotency import idempotency_records_purge

    body = {"records": [{"external_id": "P1", **ANA}]}
    api.post(f"{BASE}/prospects/batch", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_records_purge() == 1
    assert not IdempotencyRecord.objects.exists()
