"""Matching people at ingest (product.md §3a, partner-api.md): a record with a new external id
and no connector_id is linked to the person the client already has when that is certain,
queued for review when it is only likely, and new otherwise."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.models import Change, ExternalLink, Member, OutboxRow, Prospect
from integrations.models.matching import DuplicateStatus, PossibleDuplicate, ReviewPolicy
from integrations.services.launch import api_key_issue
from tests.api.conftest import partner_client
from tests.factories import IntegrationFactory, PlatformFactory

ANA = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "email": "ana.lopez@example.com",
    "phone": "+12125550123",
}


@pytest.fixture
def other(club):
    """A second sending platform of the same club (a club management system)."""
    return IntegrationFactory(
        client=club, platform=PlatformFactory(slug="cms", name="CMS"), direction="both"
    )


@pytest.fixture
def other_api(other) -> APIClient:
    return partner_client(api_key_issue(platform=other.platform)[1])


def put(api: APIClient, kind: str, external_id: str, body: dict):
    return api.put(f"/api/v1/clients/club-a/{kind}s/{external_id}", body, format="json")


def rows_to(integration, kind: str = "prospect") -> list[str]:
    return list(
        OutboxRow.objects.filter(integration=integration, kind=kind)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def test_the_same_person_from_two_platforms_is_one_record_and_one_creation(
    api, other_api, receiver, sender, other
):
    first = put(api, "prospect", "G-1", ANA)
    assert first.status_code == 201
    second = put(other_api, "prospect", "C-77", {**ANA, "email": "ANA.LOPEZ@example.com "})
    assert second.status_code == 200
    body = second.json()
    assert body["id"] == first.json()["id"]
    assert body["matched"]["method"] == "name+email+phone"
    assert "same email" in body["matched"]["reason"]
    assert Prospect.objects.count() == 1
    assert set(ExternalLink.objects.values_list("external_id", flat=True)) == {"G-1", "C-77"}
    assert rows_to(receiver) == ["prospect.created"]  # nothing new: no update either
    # The first platform hears nothing of it (the data is the same); nor the second (echo).
    assert rows_to(sender) == [] and rows_to(other) == ["prospect.created"]


def test_a_matched_record_answers_updated_in_a_batch_with_how_it_matched(
    api, other_api, receiver
):
    put(api, "prospect", "G-1", ANA)
    answer = other_api.post(
        "/api/v1/clients/club-a/prospects/batch",
        {"records": [{**ANA, "external_id": "C-1", "birth_date": "1990-04-01"},
                     {"external_id": "C-2", "first_name": "Bo", "last_name": "Ek"}]},
        format="json",
    ).json()["results"]
    assert [r["status"] for r in answer] == ["updated", "created"]
    assert answer[0]["matched"]["method"] == "name+email+phone"
    assert "matched" not in answer[1]
    # What the second platform knew more goes to the others as an update.
    assert rows_to(receiver) == ["prospect.created", "prospect.updated", "prospect.created"]


def test_a_family_sharing_email_and_phone_stays_apart(api, other_api):
    put(api, "prospect", "G-1", ANA)
    put(api, "prospect", "G-2", {**ANA, "first_name": "Marta"})
    answer = put(other_api, "prospect", "C-3", {**ANA, "first_name": "Luis"})
    assert answer.status_code == 201
    assert "matched" not in answer.json()
    assert Prospect.objects.count() == 3


def test_a_likely_person_is_sent_as_new_and_queued_for_review(api, other_api, receiver, other):
    anna = put(api, "prospect", "G-1", ANA).json()
    answer = put(other_api, "prospect", "C-9", {**ANA, "first_name": "Anna", "phone": ""})
    assert answer.status_code == 201
    review = PossibleDuplicate.objects.get()
    assert review.status == DuplicateStatus.NEEDS_REVIEW
    assert str(review.candidate_id) == anna["id"] and review.external_id == "C-9"
    assert review.integration == other and not review.held
    assert review.reason
    assert rows_to(receiver) == ["prospect.created", "prospect.created"]
    # The receiver reads the feed: both are published at once.
    assert set(OutboxRow.objects.filter(integration=receiver).values_list("status", flat=True)) \
        == {"delivered"}


def test_a_sender_that_holds_reviews_holds_the_record_and_its_later_changes(
    api, other_api, receiver, other
):
    other.prospect_review = ReviewPolicy.HOLD
    other.save()
    put(api, "prospect", "G-1", ANA)
    put(other_api, "prospect", "C-9", {**ANA, "first_name": "Anna", "phone": ""})
    put(other_api, "prospect", "C-9", {**ANA, "first_name": "Anna", "notes": "called"})
    review = PossibleDuplicate.objects.get()
    assert review.held
    held = OutboxRow.objects.filter(integration=receiver, record_id=review.record_id)
    assert [(r.event_type, r.status) for r in held.order_by("id")] == [
        ("prospect.created", "held"), ("prospect.updated", "held")
    ]
    assert "review" in held.first().hold_reason


def test_members_are_held_for_review_by_default(api, other_api, receiver):
    put(api, "member", "G-1", ANA)
    put(other_api, "member", "C-9", {**ANA, "first_name": "Anna", "phone": ""})
    review = PossibleDuplicate.objects.get(kind="member")
    assert review.held
    assert OutboxRow.objects.get(integration=receiver, record_id=review.record_id).status == "held"


def test_a_member_entered_without_the_prospect_id_is_its_conversion(api, other_api, receiver):
    lead = put(api, "prospect", "G-1", ANA).json()
    answer = put(other_api, "member", "M-5", {**ANA, "membership_number": "5", "status": "active"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["matched"]["prospect_id"] == lead["id"]
    member = Member.objects.get()
    assert str(member.prospect_id) == lead["id"]
    change = Change.objects.get(kind="member")
    assert change.data["converted"] is True


def test_the_same_person_entered_twice_at_one_platform_is_reviewed_not_linked_twice(api):
    put(api, "prospect", "G-1", ANA)
    answer = put(api, "prospect", "G-2", ANA)
    assert answer.status_code == 201
    review = PossibleDuplicate.objects.get()
    assert "already at this platform as G-1" in review.reason
    assert Prospect.objects.count() == 2


def test_one_person_twice_in_one_batch_is_one_creation_and_a_review(api, receiver):
    answer = api.post(
        "/api/v1/clients/club-a/prospects/batch",
        {"records": [{**ANA, "external_id": "G-1"}, {**ANA, "external_id": "G-2"}]},
        format="json",
    ).json()["results"]
    assert [r["status"] for r in answer] == ["created", "created"]
    review = PossibleDuplicate.objects.get()
    assert str(review.record_id) == answer[1]["id"]
    assert str(review.candidate_id) == answer[0]["id"]


def test_the_name_is_stored_normalized_and_follows_the_record(api, other_api):
    put(api, "prospect", "G-1", {**ANA, "first_name": "Ána María"})
    record = Prospect.objects.get()
    assert record.name_key == "ana lopez"
    put(api, "prospect", "G-1", {**ANA, "last_name": "López-Ruiz"})
    record.refresh_from_db()
    assert record.name_key == "ana lopezruiz"
    # Found by the new name (and the same email): linked.
    answer = put(other_api, "prospect", "C-1", {**ANA, "last_name": "Lopez Ruiz"})
    assert answer.json()["id"] == str(record.pk)


def test_a_connector_id_or_a_known_link_is_never_matched(api, other_api):
    lead = put(api, "prospect", "G-1", ANA).json()
    put(other_api, "prospect", "C-1", {"first_name": "Zed", "last_name": "Berg"})  # another
    answer = put(other_api, "prospect", "C-1", ANA)  # now the same name: still its own record
    assert answer.json()["id"] != lead["id"]
    assert PossibleDuplicate.objects.count() == 0
