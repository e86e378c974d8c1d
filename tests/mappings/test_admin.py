"""The review queue and mapping admin: what it lists, every action, audit, bounded queries."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.urls import reverse

from integrations.models import AuditEntry
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    RemoteLeadSource,
    RemoteStaff,
    StaffMapping,
    StaffPerson,
)
from mappings.selectors import lead_source_mapping_counts, staff_mapping_counts
from mappings.services.directory import lead_sources_sync, staff_directory_sync
from mappings.services.lead_source_run import lead_source_match_run
from mappings.services.staff_run import staff_match_run
from tests.factories import ClientFactory, IntegrationFactory
from tests.mappings.conftest import roster

QUEUE = "admin:mappings_staffreview_changelist"


@pytest.fixture
def queue(club, primary, other):
    roster(
        primary,
        ("P1", "Robert", "Smith", "rob@club.com"),
        ("P2", "Anna", "Berg", ""),
        ("P3", "Eva", "Lund", "", False),
    )
    staff_directory_sync(client=club)
    roster(
        other,
        ("S1", "Bob", "Smith", ""),
        ("S2", "Anna", "Berg", ""),
        ("S3", "Nobody", "Here", ""),
    )
    staff_match_run(integration=other)
    return {m.remote.external_id: m for m in StaffMapping.objects.filter(integration=other)}


def test_queue_lists_what_needs_a_person(admin_client, queue):
    response = admin_client.get(reverse(QUEUE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bob Smith" in page and "Nobody Here" in page
    assert "Robert Smith" in page  # the suggestion, side by side
    assert "nickname of first name, same last name" in page
    assert "Anna Berg" not in page  # matched automatically


def test_queue_filters_by_client(admin_client, queue, club):
    stranger = IntegrationFactory(client=ClientFactory())
    RemoteStaff.objects.create(integration=stranger, external_id="X", first_name="Zed")
    staff_match_run(integration=stranger)
    page = admin_client.get(reverse(QUEUE), {"client": club.pk}).content.decode()
    assert "Bob Smith" in page and "Zed" not in page
    page = admin_client.get(reverse(QUEUE), {"client": stranger.client_id}).content.decode()
    assert "Bob Smith" not in page and "Zed" in page


def act(admin_client, action, *mappings, url=QUEUE):
    return admin_client.post(
        reverse(url),
        {"action": action, "_selected_action": [m.pk for m in mappings]},
        follow=True,
    )


def test_accept_suggestion_is_audited_and_in_the_history(admin_client, admin_user, queue):
    response = act(admin_client, "accept_suggestion", queue["S1"], queue["S3"])
    assert response.status_code == 200
    queue["S1"].refresh_from_db()
    assert (queue["S1"].status, queue["S1"].person.external_id) == ("matched", "P1")
    assert queue["S1"].decided_by == admin_user and queue["S1"].confirmed
    assert "has no suggestion to accept" in response.content.decode()  # S3: reported, unchanged
    audit = AuditEntry.objects.get(target_id=str(queue["S1"].pk))
    assert (audit.action, audit.actor, audit.old["status"], audit.new["status"]) == (
        "mapping.accept",
        admin_user,
        "needs_review",
        "matched",
    )
    history = admin_client.get(
        reverse("admin:mappings_staffmapping_history", args=[queue["S1"].pk])
    )
    assert "Suggestion accepted" in history.content.decode()
    assert AdminLogEntry.objects.filter(object_id=str(queue["S1"].pk)).count() == 2


def test_mark_no_counterpart_and_unlink_and_reset(admin_client, queue):
    act(admin_client, "mark_no_counterpart", queue["S3"])
    queue["S3"].refresh_from_db()
    assert (queue["S3"].status, queue["S3"].confirmed) == ("no_counterpart", True)
    act(admin_client, "unlink", queue["S2"], url="admin:mappings_staffmapping_changelist")
    queue["S2"].refresh_from_db()
    assert (queue["S2"].status, queue["S2"].person) == ("unmatched", None)
    act(admin_client, "reset_to_automatic", queue["S2"])
    queue["S2"].refresh_from_db()
    assert queue["S2"].confirmed is False
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"mapping.no_counterpart", "mapping.unlink", "mapping.reset"} <= actions


def test_choose_another_person_from_the_change_page(admin_client, queue):
    url = reverse("admin:mappings_staffreview_change", args=[queue["S3"].pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "candidates" in page.content.decode()
    eva = StaffPerson.objects.get(external_id="P3")
    response = admin_client.post(url, {"person": eva.pk})
    assert response.status_code == 302
    queue["S3"].refresh_from_db()
    assert (queue["S3"].status, queue["S3"].person, queue["S3"].confirmed) == ("matched", eva, True)
    assert AuditEntry.objects.filter(action="mapping.choose").count() == 1


def test_choosing_a_person_linked_elsewhere_shows_an_error(admin_client, queue):
    anna = StaffPerson.objects.get(external_id="P2")  # linked to S2 automatically
    url = reverse("admin:mappings_staffreview_change", args=[queue["S3"].pk])
    response = admin_client.post(url, {"person": anna.pk})
    assert response.status_code == 200
    assert "already linked" in response.content.decode()
    queue["S3"].refresh_from_db()
    assert queue["S3"].status == "unmatched"


def test_autocomplete_offers_only_the_mappings_client(admin_client, queue, club):
    StaffPerson.objects.create(client=ClientFactory(), external_id="Q", first_name="Roberta")
    change = reverse("admin:mappings_staffreview_change", args=[queue["S1"].pk])
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "rob",
            "app_label": "mappings",
            "model_name": "staffreview",
            "field_name": "person",
        },
        HTTP_REFERER=f"http://testserver{change}",
    )
    names = [r["text"] for r in response.json()["results"]]
    assert names == ["Robert Smith"]


def test_counts_per_client(queue, club):
    counts = staff_mapping_counts([club.pk, "nobody"])
    assert counts[club.pk]["matched"] == 1
    assert counts[club.pk]["needs_review"] == 1
    assert counts[club.pk]["unmatched"] == 1
    assert counts["nobody"]["matched"] == 0


def test_every_mappings_admin_page_renders(admin_client, queue):
    for name in (
        "remotestaff",
        "staffperson",
        "staffmapping",
        "staffreview",
        "remoteleadsource",
        "leadsource",
        "leadsourcemapping",
        "leadsourcereview",
    ):
        assert admin_client.get(reverse(f"admin:mappings_{name}_changelist")).status_code == 200
    person = StaffPerson.objects.first()
    url = reverse("admin:mappings_staffperson_change", args=[person.pk])
    assert admin_client.get(url).status_code == 200


def test_editing_a_directory_person_is_audited(
    admin_client, queue, django_capture_on_commit_callbacks
):
    person = StaffPerson.objects.get(external_id="P3")
    url = reverse("admin:mappings_staffperson_change", args=[person.pk])
    data = {
        "client": person.client_id,
        "external_id": "P3",
        "first_name": "Eva",
        "last_name": "Lund-Berg",
        "email": "",
        "active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="staff_person.save")
    assert entry.new["last_name"] == "Lund-Berg" and entry.old["last_name"] == "Lund"


def test_lead_source_review_accept(admin_client, club, primary, other):
    RemoteLeadSource.objects.create(integration=primary, external_id="L1", name="Facebook Ad")
    remote = RemoteLeadSource.objects.create(
        integration=other, external_id="R1", name="Facebook Ads"
    )
    lead_sources_sync(client=club)
    lead_source_match_run(integration=other)
    page = admin_client.get(reverse("admin:mappings_leadsourcereview_changelist"))
    assert "Facebook Ads" in page.content.decode()
    mapping = LeadSourceMapping.objects.get(remote=remote)
    act(
        admin_client, "accept_suggestion", mapping, url="admin:mappings_leadsourcereview_changelist"
    )
    mapping.refresh_from_db()
    assert mapping.lead_source == LeadSource.objects.get(client=club)
    assert AuditEntry.objects.filter(action="mapping.accept", target_id=str(mapping.pk)).exists()
    assert lead_source_mapping_counts([club.pk])[club.pk]["matched"] == 1


@pytest.fixture
def big_queue(club, other):
    people = StaffPerson.objects.bulk_create(
        StaffPerson(client=club, external_id=f"P{i}", first_name=f"Ann{i}", last_name="Berg")
        for i in range(5000)
    )
    remotes = RemoteStaff.objects.bulk_create(
        RemoteStaff(integration=other, external_id=f"S{i}", first_name=f"Anne{i}", last_name="Berg")
        for i in range(5000)
    )
    StaffMapping.objects.bulk_create(
        StaffMapping(
            remote=r,
            integration=other,
            status="needs_review" if i % 2 else "unmatched",
            suggestion=people[i] if i % 2 else None,
            score=0.8,
            reason="first name differs by a typo, same last name",
        )
        for i, r in enumerate(remotes)
    )


@pytest.mark.parametrize(
    "url",
    [QUEUE, "admin:mappings_staffmapping_changelist", "admin:mappings_remotestaff_changelist"],
)
def test_lists_run_a_bounded_number_of_queries_with_5000_staff(
    admin_client, big_queue, club, url, django_assert_max_num_queries
):
    admin_client.get(reverse(url))  # warm the session and content types
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(url))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse(url), {"client": club.pk, "q": "Berg"})
    assert response.status_code == 200


def test_client_page_counts_field_links_to_the_queues(queue, club):
    from mappings.admin.client_counts import mapping_counts_html

    html = mapping_counts_html(club.pk)
    assert "staff: 1 matched" in html
    assert f"/admin/mappings/staffreview/?client={club.pk}" in html


def test_a_lead_source_with_a_clashing_name_is_a_form_error(admin_client, club):
    LeadSource.objects.create(client=club, name="Walk-in", normalized_name="walk in")
    response = admin_client.post(
        reverse("admin:mappings_leadsource_add"),
        {"client": club.pk, "name": "WALK IN", "external_id": "", "active": "on"},
    )
    assert response.status_code == 200
    assert "already has a lead source" in response.content.decode()
    response = admin_client.post(
        reverse("admin:mappings_leadsource_add"),
        {"client": club.pk, "name": "Radio", "external_id": "", "active": "on"},
    )
    assert response.status_code == 302
    assert LeadSource.objects.get(name="Radio").normalized_name == "radio"


def test_rematch_action_queues_the_integrations(
    admin_client, queue, other, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("mappings.services.rematch.async_task", lambda *a, **k: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, "rematch_integrations", queue["S1"], queue["S3"])
    assert queued == [("mappings.tasks.integration_rematch", other.pk)]


def test_queue_shows_best_suggestions_first_and_unmatched_last(admin_client, queue):
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert page.index("Bob Smith") < page.index("Nobody Here")
