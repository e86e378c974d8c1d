"""Deciding possible duplicates (product.md §3a): same person (a merge, or a member's
conversion), different people, undo; in the services and in the support admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from integrations.models import AuditEntry, ExternalLink, LogEntry, Member, OutboxRow, Prospect
from integrations.models.matching import DuplicateStatus, PossibleDuplicate, ReviewPolicy
from integrations.services.launch import api_key_issue
from integrations.services.people import (
    duplicate_different,
    duplicate_same,
    duplicate_undo,
    records_merge,
)
from tests.api.conftest import partner_client
from tests.factories import IntegrationFactory, PlatformFactory, UserFactory

ANA = {"first_name": "Ana", "last_name": "Lopez", "email": "ana.lopez@example.com",
       "phone": "+12125550123"}
ANNA = {**ANA, "first_name": "Anna", "phone": "", "birth_date": "1990-04-01"}


@pytest.fixture
def other(club):
    return IntegrationFactory(
        client=club, platform=PlatformFactory(slug="cms", name="CMS"), direction="both",
        prospect_review=ReviewPolicy.HOLD,
    )


@pytest.fixture
def other_api(other) -> APIClient:
    return partner_client(api_key_issue(platform=other.platform)[1])


@pytest.fixture
def support(db):
    return UserFactory(email="support@example.com", is_staff=True, is_superuser=True,
                       client=None)


def put(api: APIClient, kind: str, external_id: str, body: dict):
    return api.put(f"/api/v1/clients/club-a/{kind}s/{external_id}", body, format="json")


@pytest.fixture
def review(api, other_api, receiver) -> PossibleDuplicate:
    put(api, "prospect", "G-1", ANA)
    put(other_api, "prospect", "C-9", ANNA)
    return PossibleDuplicate.objects.get()


def test_same_person_merges_the_record_into_the_person_and_tells_the_receivers(
    review, receiver, other, support
):
    survivor = Prospect.objects.get(pk=review.candidate_id)
    duplicate_same(review=review, acting_user=support)
    review.refresh_from_db()
    assert review.status == DuplicateStatus.SAME and review.decided_by == support
    merged = Prospect.objects.get(pk=review.record_id)
    assert merged.merged_into_id == survivor.pk
    # The CMS's id now names the person; nothing was deleted.
    link = ExternalLink.objects.get(integration=other, external_id="C-9")
    assert link.prospect_id == survivor.pk
    survivor.refresh_from_db()
    assert survivor.birth_date.isoformat() == "1990-04-01"  # a gap filled from the duplicate
    # The held creation of the duplicate is dropped; the receiver gets the person's update.
    rows = OutboxRow.objects.filter(integration=receiver).order_by("id")
    assert [(r.record_id == survivor.pk, r.event_type, r.status) for r in rows] == [
        (True, "prospect.created", "delivered"),
        (False, "prospect.created", "discarded"),
        (True, "prospect.updated", "delivered"),
    ]
    assert AuditEntry.objects.filter(action="duplicate.same", actor=support).exists()


def test_what_arrives_later_for_the_merged_record_goes_to_the_person(review, other_api, support):
    duplicate_same(review=review, acting_user=support)
    answer = put(other_api, "prospect", "C-9", {**ANNA, "notes": "called back"})
    assert answer.status_code == 200
    assert answer.json()["id"] == str(review.candidate_id)
    assert Prospect.objects.get(pk=review.candidate_id).notes == "called back"


def test_a_platform_holding_both_keeps_both_and_the_log_says_so(review, receiver, support):
    ExternalLink.objects.create(integration=receiver, kind="prospect", external_id="R-1",
                                prospect_id=review.candidate_id)
    ExternalLink.objects.create(integration=receiver, kind="prospect", external_id="R-2",
                                prospect_id=review.record_id)
    duplicate_same(review=review, acting_user=support)
    assert ExternalLink.objects.get(external_id="R-2").prospect_id == review.record_id
    line = LogEntry.objects.get(integration=receiver, summary__contains="one person twice")
    assert "R-1 and R-2" in line.summary and "merge them" in line.summary


def test_undo_of_a_merge_puts_the_links_and_the_fields_back(review, other, receiver, support):
    duplicate_same(review=review, acting_user=support)
    duplicate_undo(review=review, acting_user=support)
    review.refresh_from_db()
    assert review.status == DuplicateStatus.NEEDS_REVIEW
    assert ExternalLink.objects.get(integration=other, external_id="C-9").prospect_id \
        == review.record_id
    assert Prospect.objects.get(pk=review.record_id).merged_into_id is None
    assert Prospect.objects.get(pk=review.candidate_id).birth_date is None
    # Both are told: the person as it was, the other record as a person of its own.
    updated = OutboxRow.objects.filter(integration=receiver, event_type="prospect.updated")
    assert {r.record_id for r in updated} == {review.candidate_id, review.record_id}
    with pytest.raises(ValidationError):
        duplicate_undo(review=review, acting_user=support)


def test_different_people_releases_the_held_deliveries(review, receiver, support):
    held = OutboxRow.objects.get(integration=receiver, record_id=review.record_id)
    assert held.status == "held"
    duplicate_different(review=review, acting_user=support)
    assert not OutboxRow.objects.filter(record_id=review.record_id, status="held").exists()
    assert OutboxRow.objects.filter(
        integration=receiver, record_id=review.record_id, status="delivered").exists()
    with pytest.raises(ValidationError):
        duplicate_same(review=review, acting_user=support)


def test_a_member_that_may_be_a_prospect_becomes_its_conversion(api, other_api, support):
    lead = put(api, "prospect", "G-1", ANA).json()
    put(other_api, "member", "M-1", {**ANNA, "status": "active"})
    review = PossibleDuplicate.objects.get(kind="member")
    assert review.candidate_kind == "prospect"
    duplicate_same(review=review, acting_user=support)
    assert str(Member.objects.get().prospect_id) == lead["id"]
    duplicate_undo(review=review, acting_user=support)
    assert Member.objects.get().prospect_id is None


def test_two_stored_records_are_merged_by_support_staff_and_undone(api, support):
    put(api, "prospect", "G-1", ANA)
    put(api, "prospect", "G-2", {"first_name": "Ana", "last_name": "Lopez-Diaz"})
    first, second = Prospect.objects.order_by("id")
    review = records_merge(survivor=first, other=second, acting_user=support)
    assert review.status == DuplicateStatus.SAME and review.method == "manual"
    assert Prospect.objects.get(pk=second.pk).merged_into_id == first.pk
    # The platform that sent both keeps both ids: it holds the person twice.
    assert ExternalLink.objects.get(external_id="G-2").prospect_id == second.pk
    duplicate_undo(review=review, acting_user=support)
    assert Prospect.objects.get(pk=second.pk).merged_into_id is None
    with pytest.raises(ValidationError):
        records_merge(survivor=first, other=first, acting_user=support)


def test_the_queue_shows_both_people_side_by_side_and_decides_with_a_button(
    review, admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        page = admin_client.get("/admin/integrations/possibleduplicate/")
    text = page.content.decode()
    assert "Anna Lopez" in text and "Ana Lopez" in text and "born 1990-04-01" in text
    assert "CMS C-9" in text and "Same person" in text and "deliveries held" in text
    detail = admin_client.get(f"/admin/integrations/possibleduplicate/{review.pk}/change/")
    assert "The record that arrived" in detail.content.decode()
    answer = admin_client.post(
        f"/admin/integrations/possibleduplicate/{review.pk}/decide/same/",
        {"next": "/admin/integrations/possibleduplicate/"},
    )
    assert answer.status_code == 302
    review.refresh_from_db()
    assert review.status == DuplicateStatus.SAME
    admin_client.post(f"/admin/integrations/possibleduplicate/{review.pk}/decide/undo/")
    review.refresh_from_db()
    assert review.status == DuplicateStatus.NEEDS_REVIEW


def test_bulk_different_people(review, admin_client):
    admin_client.post("/admin/integrations/possibleduplicate/", {
        "action": "different_people", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.status == DuplicateStatus.DIFFERENT


def test_erasing_a_candidate_lets_the_held_record_go_and_its_own_review_goes_with_it(
    review, receiver, support
):
    from integrations.services.erasure import record_erase

    record_erase(record=Prospect.objects.get(pk=review.candidate_id), acting_user=support)
    review.refresh_from_db()
    assert review.status == DuplicateStatus.DIFFERENT
    assert not OutboxRow.objects.filter(record_id=review.record_id, status="held").exists()
    record_erase(record=Prospect.objects.get(pk=review.record_id), acting_user=support)
    assert not PossibleDuplicate.objects.exists()
    assert Prospect.objects.get(pk=review.record_id).name_key == ""


def test_support_staff_merge_two_records_from_the_list_after_choosing_which_stays(
    api, admin_client
):
    put(api, "prospect", "G-1", ANA)
    put(api, "prospect", "G-2", {"first_name": "Ana", "last_name": "Lopez-Diaz"})
    first, second = Prospect.objects.order_by("id")
    ids = [str(first.pk), str(second.pk)]
    asked = admin_client.post("/admin/integrations/prospect/", {
        "action": "merge_selected", "_selected_action": ids})
    assert "Merge these two records" in asked.content.decode()
    admin_client.post("/admin/integrations/prospect/", {
        "action": "merge_selected", "_selected_action": ids, "survivor": str(second.pk)})
    assert Prospect.objects.get(pk=first.pk).merged_into_id == second.pk
    one = admin_client.post("/admin/integrations/prospect/", {
        "action": "merge_selected", "_selected_action": [str(first.pk)]}, follow=True)
    assert "Select exactly two" in one.content.decode()
