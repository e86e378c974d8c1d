"""Launching an integration without duplicates (product.md §3a, issue 14 item 4): a preview
stores and matches what the platform sends, delivers nothing; the switch-on delivers only the
truly new people (or none, from now)."""

from __future__ import annotations

import pytest

from integrations.models import Launch, OutboxRow, Prospect
from integrations.models.matching import PossibleDuplicate, ReviewPolicy
from integrations.services.launch import api_key_issue
from integrations.services.launches import (
    launch_cancel,
    launch_preview_start,
    launch_switch_on,
)
from integrations.services.people import duplicate_different
from tests.api.conftest import partner_client
from tests.factories import IntegrationFactory, PlatformFactory

PEOPLE = [
    {"external_id": f"IT-{i}", "first_name": first, "last_name": last,
     "email": f"{first}.{last}@example.com".lower(), "phone": f"+1212555{i:04d}"}
    for i, (first, last) in enumerate(
        [("Ana", "Lopez"), ("Bo", "Ek"), ("Carla", "Diaz"), ("Dan", "Moe"), ("Eva", "Berg")])
]


@pytest.fixture
def cms(club):
    """The platform being launched: it has years of its own records."""
    return IntegrationFactory(
        client=club, platform=PlatformFactory(slug="cms", name="CMS"), direction="both",
        data="prospects", enabled=False, prospect_review=ReviewPolicy.HOLD,
    )


@pytest.fixture
def cms_api(cms):
    return partner_client(api_key_issue(platform=cms.platform)[1])


@pytest.fixture
def existing(api, receiver):
    """The people the client already has (sent by the first platform, delivered)."""
    answer = api.post("/api/v1/clients/club-a/prospects/batch", {"records": PEOPLE},
                      format="json")
    assert {r["status"] for r in answer.json()["results"]} == {"created"}
    return receiver


def cms_export() -> list[dict]:
    """Three of the same people under the CMS's ids, one that may be, two new ones."""
    same = [{**p, "external_id": f"C-{i}"} for i, p in enumerate(PEOPLE[:3])]
    maybe = {**PEOPLE[3], "external_id": "C-3", "last_name": "Moen", "phone": "",
             "birth_date": "1980-01-01"}
    new = [{"external_id": f"C-{i}", "first_name": n, "last_name": "Quist",
            "email": f"{n.lower()}@quist.example"} for i, n in ((4, "Fay"), (5, "Gus"))]
    return [*same, maybe, *new]


def rows_to(integration, **filters):
    return OutboxRow.objects.filter(integration=integration, **filters)


def test_a_preview_matches_and_holds_everything_then_the_switch_on_sends_only_the_new(
    existing, cms, cms_api, admin_user
):
    before = rows_to(existing).count()
    launch = launch_preview_start(integration=cms, acting_user=admin_user)
    cms.refresh_from_db()
    assert cms.enabled and cms.launching
    answer = cms_api.post("/api/v1/clients/club-a/prospects/batch", {"records": cms_export()},
                          format="json").json()["results"]
    assert [r["status"] for r in answer] == ["updated"] * 3 + ["created"] * 3
    launch.refresh_from_db()
    assert (launch.received, launch.linked, launch.review, launch.new) == (6, 3, 1, 2)
    # Nothing reached the first platform: every delivery of the preview is held.
    assert rows_to(existing, status="held").count() == 3  # the linked: nothing new to send
    assert rows_to(existing, status="delivered").count() == before
    review = PossibleDuplicate.objects.get()
    duplicate_different(review=review, acting_user=admin_user)  # during the preview
    assert rows_to(existing, record_id=review.record_id, status="held").exists()
    launch_switch_on(launch=launch, start_from_now=False, acting_user=admin_user)
    launch.refresh_from_db()
    cms.refresh_from_db()
    assert launch.status == Launch.Status.SWITCHED_ON and not cms.launching
    # The three new people are created at the first platform; the linked ones are not.
    # (The first platform reads the feed: a released event is published as a new row.)
    created = rows_to(existing, event_type="prospect.created", status="delivered")
    assert created.count() == len(PEOPLE) + 3
    assert not rows_to(existing, event_type="prospect.updated", status="delivered").exists()
    assert not rows_to(existing, status="held").exists()
    assert Prospect.objects.count() == len(PEOPLE) + 3


def test_switched_on_from_now_sends_none_of_its_history(existing, cms, cms_api, admin_user):
    before = rows_to(existing, status="delivered").count()
    launch = launch_preview_start(integration=cms, acting_user=admin_user)
    cms_api.post("/api/v1/clients/club-a/prospects/batch", {"records": cms_export()},
                 format="json")
    launch_switch_on(launch=launch, start_from_now=True, acting_user=admin_user)
    assert rows_to(existing, status="delivered").count() == before
    assert not rows_to(existing, status="held").exists()
    # From then on it sends as any other.
    cms_api.put("/api/v1/clients/club-a/prospects/C-9",
                {"first_name": "Hal", "last_name": "Roe"}, format="json")
    assert rows_to(existing, status="delivered").count() == before + 1


def test_a_preview_receives_nothing_and_a_cancel_pauses_it_again(
    api, existing, cms, cms_api, admin_user
):
    launch = launch_preview_start(integration=cms, acting_user=admin_user)
    api.put("/api/v1/clients/club-a/prospects/IT-99", {"first_name": "Ida", "last_name": "Vik"},
            format="json")
    assert not rows_to(cms).exists()
    cms_api.post("/api/v1/clients/club-a/prospects/batch", {"records": cms_export()},
                 format="json")
    launch_cancel(launch=launch, acting_user=admin_user)
    cms.refresh_from_db()
    assert not cms.enabled and not cms.launching
    assert not rows_to(existing, status="held").exists()
    with pytest.raises(Exception, match="not in preview"):
        launch_switch_on(launch=launch, start_from_now=False, acting_user=admin_user)


def test_the_launch_page_shows_the_counts_and_switches_on(
    existing, cms, cms_api, admin_client
):
    admin_client.post("/admin/integrations/integration/", {
        "action": "launch_preview", "_selected_action": [cms.pk]})
    launch = Launch.objects.get()
    cms_api.post("/api/v1/clients/club-a/prospects/batch", {"records": cms_export()},
                 format="json")
    page = admin_client.get(f"/admin/integrations/launch/{launch.pk}/change/").content.decode()
    assert "Linked to people the client had</th><td>3" in page
    assert "Switch on: deliver the 2 new records" in page
    assert "decide them" in page
    admin_client.post(f"/admin/integrations/launch/{launch.pk}/act/switch_on/")
    launch.refresh_from_db()
    assert launch.status == Launch.Status.SWITCHED_ON
