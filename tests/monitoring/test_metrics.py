"""GET /metrics: Prometheus text behind a bearer token, counters that add up."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from integrations.models import OutboxRow, PossibleDuplicate
from integrations.monitoring.tally import deliveries_tally
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.services.launch import api_key_issue
from integrations.sync.delivery.deliver import deliver_integration
from integrations.sync.inbound.fetch import integration_fetch
from mappings.models import LeadSourceMapping, MappingStatus
from tests.factories import (
    ClientFactory,
    IntegrationFactory,
    PlatformFactory,
    RemoteLeadSourceFactory,
    RemoteStaffFactory,
)
from tests.sync.helpers import prospect_row

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789"


@pytest.fixture
def token(settings):
    settings.CONNECTOR_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape."""
    answer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_off_without_a_token(client, settings):
    settings.CONNECTOR_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN])
def test_a_wrong_token_is_401(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    answer = client.get("/metrics", **extra)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert b"connector_" not in answer.content


def test_api_answers_and_ingest_are_counted(client, token):
    club = ClientFactory()
    sender = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"),
                                direction="send")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(platform=sender.platform)[1]}")
    base = f"/api/v1/clients/{club.pk}/prospects"
    before = scrape(client)

    assert api.put(f"{base}/P1", {"first_name": "Ana", "last_name": "Lopez"},
                   format="json").status_code == 201
    batch = {"records": [{"external_id": "P1", "first_name": "Ana", "last_name": "Lopez"},
                         {"external_id": "P2", "first_name": "Bo", "last_name": "Ek"},
                         {"external_id": "P3", "email": "not-an-email"}]}
    assert api.post(f"{base}/batch", batch, format="json").status_code == 200
    assert APIClient().get("/api/v1/clients/").status_code == 401
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("connector_api_responses_total", status="201") == 1
    assert delta("connector_api_responses_total", status="200") == 1
    assert delta("connector_api_responses_total", status="401") == 1
    for status, n in (("created", 2), ("unchanged", 1), ("error", 1)):
        assert delta("connector_ingest_records_total", kind="prospect", status=status,
                     source="api") == n
    assert delta("connector_ingest_batches_total", kind="prospect") == 1


def test_records_a_workers_fetch_takes_in_are_counted_too(client, token, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    store, before = SandboxStore(), scrape(client)
    for first, last, email in (("Kim", "Park", ""), ("Li", "Wu", ""), ("Bo", "Ek", "not-mail")):
        store.record_create("prospect", {"first_name": first, "last_name": last,
                                         "email": email})
    with SandboxServer(token="sandbox-token", store=store) as platform:
        fetched = IntegrationFactory(
            platform=PlatformFactory(slug="gymapp"), direction="send", data="prospects",
            mode="api", base_url=platform.base_url, credentials="sandbox-token",
            staff_owner=False, lead_source=False)
        integration_fetch(integration_id=fetched.pk)
        integration_fetch(integration_id=fetched.pk)  # the invalid one is fetched again

    samples = scrape(client)

    def fetched_as(status: str) -> float:
        return value(samples, "connector_ingest_records_total", kind="prospect", status=status,
                     source="fetch")

    assert (fetched_as("created"), fetched_as("error")) == (2, 2)
    api = {"kind": "prospect", "status": "created", "source": "api"}  # the same family
    assert value(samples, "connector_ingest_records_total", **api) == value(
        before, "connector_ingest_records_total", **api)


@pytest.fixture
def sandbox():
    with SandboxServer(token="sandbox-token", store=SandboxStore()) as server:
        yield server


def test_deliveries_and_the_outbox_are_read_from_the_database(client, token, sandbox, settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    destination = IntegrationFactory(
        client=ClientFactory(), platform=PlatformFactory(slug="crm"), mode="api",
        direction="receive", base_url=sandbox.base_url, credentials="sandbox-token",
        staff_owner=False, lead_source=False)
    for _ in range(3):
        prospect_row(destination=destination)
    waiting = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=waiting.pk).update(status="held")
    deliveries_tally(transport="webhook", counts={"retry": 2, "more": 1, "busy": 0})

    deliver_integration(integration_id=destination.pk, budget_seconds=5)
    samples = scrape(client)

    assert len(sandbox.store.all_records("prospect")) == 3
    assert value(samples, "connector_deliveries_total", transport="api", result="delivered") == 3
    assert value(samples, "connector_deliveries_total", transport="webhook", result="retry") == 2
    assert ("connector_deliveries_total", (("result", "more"), ("transport", "webhook"))) \
        not in samples
    assert value(samples, "connector_outbox_rows", transport="api", status="held") == 1
    assert value(samples, "connector_outbox_due") == 0
    assert value(samples, "connector_outbox_oldest_due_seconds") == 0


def test_queue_depth_and_review_queues(client, token):
    destination = IntegrationFactory(mode="api", direction="receive",
                                     base_url="https://crm.example", credentials="t")
    prospect_row(destination=destination)
    prospect_row(destination=destination)
    RemoteStaffFactory(integration=destination)  # new staff start unmatched
    staff = RemoteStaffFactory(integration=destination)
    staff.mapping.status = MappingStatus.NEEDS_REVIEW
    staff.mapping.save()
    source = RemoteLeadSourceFactory(integration=destination)
    LeadSourceMapping.objects.create(remote=source, integration=destination)
    PossibleDuplicate.objects.create(
        client=destination.client, kind="prospect", record_id=uuid.uuid4(),
        candidate_kind="prospect", candidate_id=uuid.uuid4(),
    )

    samples = scrape(client)

    assert value(samples, "connector_outbox_due") == 2
    assert value(samples, "connector_outbox_rows", transport="api", status="pending") == 2
    assert value(samples, "connector_outbox_oldest_due_seconds") >= 0
    assert value(samples, "connector_review_queue", queue="staff", status="unmatched") == 1
    assert value(samples, "connector_review_queue", queue="staff", status="needs_review") == 1
    assert value(samples, "connector_review_queue", queue="lead_sources",
                 status="unmatched") == 1
    assert value(samples, "connector_review_queue", queue="people", status="needs_review") == 1
    assert value(samples, "connector_schedules_missing") == 0
    assert value(samples, "connector_worker_last_seen_seconds") == float("inf")


def test_issues_are_counted_by_kind_and_status(client, token):
    from integrations.models import Issue
    from integrations.sync.issues.report import Cause, issues_report

    destination = IntegrationFactory()
    issues_report(integration_id=destination.pk, client_id=destination.client_id,
                  seen={Cause("credentials_refused"): 1, Cause("owner_held", "7"): 2,
                        Cause("owner_held", "8"): 1})
    Issue.objects.filter(subject="8").update(status="resolved")

    samples = scrape(client)

    assert value(samples, "connector_issues", kind="credentials_refused", status="ongoing") == 1
    assert value(samples, "connector_issues", kind="owner_held", status="ongoing") == 1
    assert value(samples, "connector_issues", kind="owner_held", status="resolved") == 1
    assert value(samples, "connector_issues", kind="platform_down", status="ongoing") == 0
