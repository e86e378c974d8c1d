"""Queued background tasks carry ids, never a person (issue 19): the broker's queue and the
schedules are not where personal data is looked for, nor scrubbed by an erasure."""

from __future__ import annotations

import pytest
from django_q.models import OrmQ, Schedule
from rest_framework.test import APIClient

from integrations.models import Prospect
from integrations.services.erasure import record_erase
from integrations.services.export import export_request
from integrations.services.launch import api_key_issue
from integrations.sync.inbound.fetch import fetch_retry_soon, sync_now
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

PEOPLE = [
    {"external_id": "P-1", "first_name": "Odalys", "last_name": "Brennard",
     "email": "odalys@example.org", "phone": "+12125550144"},
    {"external_id": "P-2", "first_name": "Tamsin", "last_name": "Ferrow",
     "email": "tamsin@example.org", "phone": "+447911123456"},
]
STAFF = [{"external_id": "S-1", "first_name": "Corwin", "last_name": "Haldane",
          "email": "corwin@club.example", "active": True}]


@pytest.fixture
def club(db, intouch):
    club = ClientFactory(id="club-t")
    IntegrationFactory(client=club, platform=intouch, direction="both", mode="api",
                       is_primary=True, base_url="http://127.0.0.1:9", credentials="t")
    return club


@pytest.fixture
def partner(club):
    integration = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm"),
                                     direction="both", mode="push")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(platform=integration.platform)[1]}")
    return integration, api


def test_a_partners_day_queues_tasks_that_name_no_one(
    club, partner, intouch, django_capture_on_commit_callbacks
):
    integration, api = partner
    destination = club.integrations.get(platform=intouch)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/clients/club-t/prospects/batch", {"records": PEOPLE},
                        format="json").status_code == 200
        assert api.put("/api/v1/clients/club-t/staff", {"staff": STAFF},
                       format="json").status_code == 200
        export_request(client=club, acting_user=None)
        sync_now(integration=destination)
        fetch_retry_soon(integration=destination)
        record_erase(record=Prospect.objects.get(email=PEOPLE[0]["email"]))

    tasks = [queued.task for queued in OrmQ.objects.all()]
    funcs = {task["func"] for task in tasks}
    assert {"integrations.tasks.deliver_integration_task", "integrations.tasks.export_build_task",
            "integrations.tasks.fetch_integration_task",
            "mappings.tasks.integration_rematch"} <= funcs
    for task in tasks:
        assert all(isinstance(arg, int) for arg in task["args"]), task
        assert task["kwargs"] == {}, task
    schedules = list(Schedule.objects.values_list("name", "args", "kwargs"))
    written = repr([(t["func"], t["args"], t["kwargs"], t["name"]) for t in tasks]) + repr(
        schedules)
    for person in [*PEOPLE, *STAFF]:
        for field in ("first_name", "last_name", "email", "phone"):
            if person.get(field):
                assert person[field][-7:] not in written, field
