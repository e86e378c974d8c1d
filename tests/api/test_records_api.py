"""Contract: prospects and members, PUT / GET / batch (partner-api.md, "Sending data")."""

from __future__ import annotations

import pytest

from integrations.models import Change, OutboxRow, Prospect
from tests.factories import IntegrationFactory

BASE = "/api/v1/clients/club-a"
ANA = {"first_name": " Ana ", "last_name": "Lopez", "email": "Ana@Example.COM"}


def problem_fields(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == response.status_code
    return {error["field"] for error in body["errors"]}


def test_put_creates_then_updates_then_unchanged(api, receiver):
    created = api.put(f"{BASE}/prospects/P1", ANA, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["external_id"], body["first_name"], body["email"]) == (
        "P1",
        "Ana",
        "ana@example.com",
    )
    updated = api.put(f"{BASE}/prospects/P1", {**ANA, "notes": "hi"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"]
    same = api.put(f"{BASE}/prospects/P1", {**ANA, "notes": "hi"}, format="json")
    assert same.status_code == 200
    assert Change.objects.count() == 2


def test_get_returns_the_stored_prospect_or_404(api, receiver):
    api.put(f"{BASE}/prospects/P1", {**ANA, "phone": "(212) 555-1234"}, format="json")
    got = api.get(f"{BASE}/prospects/P1")
    assert got.status_code == 200
    assert got.json()["phone"] == "+12125551234"
    missing = api.get(f"{BASE}/prospects/NOPE")
    assert missing.status_code == 404
    problem_fields(missing)


def test_every_invalid_field_is_listed(api):
    response = api.put(
        f"{BASE}/prospects/P1",
        {
            "email": "not-an-email",
            "phone": "abc",
            "gender": "x",
            "birth_date": "1990-13-01",
            "first_name": "x" * 101,
            "address": {"country": "USA"},
            "staff_owner": {"name": "Sam"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert problem_fields(response) >= {
        "email",
        "phone",
        "gender",
        "birth_date",
        "first_name",
        "address.country",
        "staff_owner.external_id",
    }
    assert not Prospect.objects.exists()


def test_name_is_required_without_email_or_phone(api):
    response = api.put(f"{BASE}/prospects/P1", {"notes": "x"}, format="json")
    assert response.status_code == 400
    assert problem_fields(response) == {"first_name", "last_name"}


def test_malformed_json_is_400_problem(api):
    response = api.generic(
        "PUT", f"{BASE}/prospects/P1", b'{"first_name": ', content_type="application/json"
    )
    assert response.status_code == 400
    problem_fields(response)


def test_body_over_the_limit_is_413_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.put(f"{BASE}/prospects/P1", {**ANA, "notes": "x" * 2000}, format="json")
    assert response.status_code == 413
    problem_fields(response)


def test_nul_and_lone_surrogates_are_field_errors_not_500(api):
    response = api.generic(
        "PUT",
        f"{BASE}/prospects/P1",
        b'{"first_name": "A\\u0000", "last_name": "\\ud800", "email": "a@b.co"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert problem_fields(response) == {"first_name", "last_name"}


def test_members_on_a_prospects_only_integration_are_403_naming_the_option(api, sender):
    sender.data = "prospects"
    sender.save()
    response = api.put(f"{BASE}/members/M1", ANA, format="json")
    assert response.status_code == 403
    assert response.json()["option"] == "data"
    assert problem_fields(response) == {"data"}


def test_receive_only_partner_cannot_send_records(receiver_api):
    response = receiver_api.put(f"{BASE}/prospects/P1", ANA, format="json")
    assert response.status_code == 403
    assert response.json()["option"] == "direction"


def test_batch_results_are_in_request_order(api, receiver):
    api.put(f"{BASE}/prospects/P2", ANA, format="json")
    records = [
        {"external_id": "P1", **ANA},
        {"external_id": "P2", **ANA},
        {"external_id": "P3", "email": "bad"},
        {"external_id": "P4", "email": "d@x.com"},
    ]
    response = api.post(f"{BASE}/prospects/batch", {"records": records}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["external_id"], r["status"]) for r in results] == [
        ("P1", "created"),
        ("P2", "unchanged"),
        ("P3", "error"),
        ("P4", "created"),
    ]
    assert results[2]["errors"] == [{"field": "email", "message": "Enter a valid email address."}]
    assert results[2]["id"] is None


def test_batch_reads_national_phones_in_the_address_country_else_the_default_region(
    api, receiver, settings
):
    settings.CONNECTOR_DEFAULT_PHONE_REGION = "GB"
    records = [
        {"external_id": "P1", **ANA, "phone": "020 7946 0958"},
        {"external_id": "P2", **ANA, "phone": "(212) 555-1234", "address": {"country": "us"}},
    ]
    response = api.post(f"{BASE}/prospects/batch", {"records": records}, format="json")
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    phones = dict(Prospect.objects.values_list("links__external_id", "phone"))
    assert phones == {"P1": "+442079460958", "P2": "+12125551234"}


@pytest.mark.parametrize(
    "records",
    [
        [{"external_id": f"P{i}", "email": "a@b.co"} for i in range(501)],
        [{"external_id": "P1", "email": "a@b.co"}, {"external_id": "P1", "email": "c@b.co"}],
    ],
    ids=["over-500", "duplicate-external-id"],
)
def test_bad_batch_is_rejected_whole_and_nothing_stored(api, receiver, records):
    response = api.post(f"{BASE}/prospects/batch", {"records": records}, format="json")
    assert response.status_code == 400
    problem_fields(response)
    assert not Prospect.objects.exists()


def test_older_updated_at_is_ignored(api, receiver):
    api.put(f"{BASE}/prospects/P1", {**ANA, "updated_at": "2026-11-01T10:00:00Z"}, format="json")
    older = {**ANA, "first_name": "Old", "updated_at": "2026-11-01T09:00:00+00:00"}
    response = api.put(f"{BASE}/prospects/P1", older, format="json")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Ana"
    assert OutboxRow.objects.count() == 1


def test_member_converts_prospect(api, receiver):
    prospect = api.put(f"{BASE}/prospects/P1", ANA, format="json").json()
    member = api.put(
        f"{BASE}/members/M1",
        {**ANA, "prospect_external_id": "P1", "status": "active"},
        format="json",
    )
    assert member.status_code == 201
    assert member.json()["prospect_id"] == prospect["id"]
    assert member.json()["prospect_external_id"] == "P1"


def test_batch_query_count_does_not_grow_with_records(api, receiver, django_assert_max_num_queries):
    IntegrationFactory(client=receiver.client, direction="receive")
    from tests.api.test_ingest import query_budget

    records = [
        {"external_id": f"P{i}", "first_name": "A", "last_name": str(i), "phone": "+12125551234"}
        for i in range(500)
    ]
    with django_assert_max_num_queries(query_budget() + 5):
        response = api.post(f"{BASE}/prospects/batch", {"records": records}, format="json")
    assert response.status_code == 200
    assert OutboxRow.objects.count() == 1000
