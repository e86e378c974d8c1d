"""Matching runs, directory sync and review actions against the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrations.models import AuditEntry, LogEntry
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    RemoteLeadSource,
    StaffMapping,
    StaffPerson,
)
from mappings.services.directory import lead_sources_sync, staff_directory_sync
from mappings.services.hooks import staff_mapping_release_done
from mappings.services.lead_source_run import lead_source_match_run
from mappings.services.matching_run import integration_rematch_run
from mappings.services.review import (
    mapping_accept,
    mapping_choose,
    mapping_no_counterpart,
    mapping_reset,
    mapping_unlink,
)
from mappings.services.staff_run import staff_match_run
from mappings.tasks import integration_rematch
from tests.factories import StaffPersonFactory, UserFactory
from tests.mappings.conftest import roster


@pytest.fixture
def directory(club, primary):
    roster(
        primary,
        ("P1", "Robert", "Smith", "rob@club.com"),
        ("P2", "Anna", "Berg", ""),
        ("P3", "Eva", "Lund", "eva@club.com", False),
    )
    staff_directory_sync(client=club)
    return {p.external_id: p for p in StaffPerson.objects.filter(client=club)}


def mappings_of(integration):
    return {m.remote.external_id: m for m in StaffMapping.objects.filter(integration=integration)}


def test_directory_follows_the_primary_and_its_staff_map_to_themselves(club, primary, directory):
    assert set(directory) == {"P1", "P2", "P3"}
    assert directory["P3"].active is False
    own = mappings_of(primary)
    assert {m.method for m in own.values()} == {"primary"}
    assert own["P1"].person == directory["P1"]
    assert all(m.pending_release for m in own.values())
    primary.remote_staff.filter(external_id="P2").delete()
    primary.remote_staff.filter(external_id="P1").update(first_name="Rob")
    staff_directory_sync(client=club)
    people = {p.external_id: p for p in StaffPerson.objects.filter(client=club)}
    assert people["P2"].active is False
    assert people["P1"].first_name == "Rob"


def test_match_run_stores_decisions_and_flags_new_links(club, other, directory):
    roster(
        other,
        ("S1", "X", "Y", " ROB@club.com"),
        ("S1b", "Bob", "Smith", ""),
        ("S2", "Anna", "Berg", ""),
        ("S9", "Nobody", "Here", ""),
    )
    summary = staff_match_run(integration=other)
    got = mappings_of(other)
    assert (summary.matched, summary.needs_review, summary.changed) == (1, 2, 4)
    assert got["S2"].person == directory["P2"] and got["S2"].method == "name"
    assert got["S1"].status == "needs_review"  # same email but unrelated names
    assert got["S9"].status == "unmatched" and got["S9"].suggestion is None
    assert got["S2"].pending_release is True
    assert staff_mapping_release_done(
        integration_id=other.pk, remote_staff_ids=[got["S2"].remote_id]
    )
    assert staff_match_run(integration=other).changed == 0


def test_rematch_never_changes_confirmed_mappings(club, other, directory):
    roster(other, ("S2", "Anna", "Berg", ""))
    staff_match_run(integration=other)
    mapping = mappings_of(other)["S2"]
    user = UserFactory(client=club)
    mapping_no_counterpart(mapping=mapping, acting_user=user)
    staff_match_run(integration=other)
    mapping.refresh_from_db()
    assert (mapping.status, mapping.person, mapping.confirmed) == ("no_counterpart", None, True)


def test_review_actions_are_audited_and_logged(club, other, directory):
    roster(other, ("S1", "Bob", "Smith", ""), ("S2", "Anne", "Bergh", ""))
    staff_match_run(integration=other)
    got = mappings_of(other)
    user = UserFactory(client=club)
    accepted = mapping_accept(mapping=got["S1"], acting_user=user)
    assert (accepted.status, accepted.person, accepted.decided_by) == (
        "matched",
        directory["P1"],
        user,
    )
    assert accepted.pending_release
    with pytest.raises(ValidationError):
        mapping_choose(mapping=got["S2"], target=directory["P1"], acting_user=user)
    chosen = mapping_choose(mapping=got["S2"], target=directory["P3"], acting_user=user)
    assert chosen.person == directory["P3"] and chosen.confirmed
    unlinked = mapping_unlink(mapping=chosen, acting_user=user)
    assert (unlinked.status, unlinked.person, unlinked.confirmed) == ("unmatched", None, True)
    audit = list(AuditEntry.objects.filter(target_id=str(chosen.pk)).order_by("id"))
    assert [a.action for a in audit] == ["mapping.choose", "mapping.unlink"]
    assert audit[1].old["target_id"] == directory["P3"].pk and audit[1].new["status"] == "unmatched"
    assert audit[1].actor == user
    assert LogEntry.objects.filter(client=club, summary__contains="Anne Bergh").count() == 2


def test_choose_rejects_another_clients_person(club, other, directory):
    roster(other, ("S1", "Bob", "Smith", ""))
    staff_match_run(integration=other)
    stranger = StaffPersonFactory()
    with pytest.raises(ValidationError):
        mapping_choose(mapping=mappings_of(other)["S1"], target=stranger, acting_user=None)


def test_accept_without_a_suggestion_is_refused(club, other, directory):
    roster(other, ("S9", "Nobody", "Here", ""))
    staff_match_run(integration=other)
    with pytest.raises(ValidationError):
        mapping_accept(mapping=mappings_of(other)["S9"], acting_user=None)


def test_reset_hands_back_to_automatic_matching(
    club, other, directory, django_capture_on_commit_callbacks
):
    roster(other, ("S2", "Anna", "Berg", ""))
    staff_match_run(integration=other)
    mapping = mappings_of(other)["S2"]
    mapping_unlink(mapping=mapping, acting_user=None)
    mapping_reset(mapping=mapping, acting_user=None)
    staff_match_run(integration=other)
    mapping.refresh_from_db()
    assert (mapping.status, mapping.person, mapping.confirmed) == (
        "matched",
        directory["P2"],
        False,
    )


def test_a_person_moving_between_remotes_does_not_trip_the_constraint(club, other, directory):
    roster(other, ("S2", "Anna", "Berg", ""))
    staff_match_run(integration=other)
    other.remote_staff.filter(external_id="S2").update(first_name="Someone", last_name="Else")
    roster(other, ("S3", "Anna", "Berg", ""))
    staff_match_run(integration=other)
    got = mappings_of(other)
    assert got["S3"].person == directory["P2"]
    assert got["S2"].person is None


def test_lead_sources_follow_the_primary_and_match_by_name(club, primary, other):
    for i, name in enumerate(["Walk-in", "Facebook Ad", "Referral"]):
        RemoteLeadSource.objects.create(integration=primary, external_id=f"L{i}", name=name)
    for i, name in enumerate(["walk in", "Facebook Ads", "Google"]):
        RemoteLeadSource.objects.create(integration=other, external_id=f"R{i}", name=name)
    lead_sources_sync(client=club)
    assert LeadSource.objects.filter(client=club).count() == 3
    lead_source_match_run(integration=other)
    got = {m.remote.name: m for m in LeadSourceMapping.objects.filter(integration=other)}
    assert got["walk in"].status == "matched" and got["walk in"].lead_source.name == "Walk-in"
    assert got["Facebook Ads"].status == "needs_review"
    assert got["Facebook Ads"].suggestion.name == "Facebook Ad"
    assert got["Google"].status == "unmatched"
    mapping_accept(mapping=got["Facebook Ads"], acting_user=None)
    lead_source_match_run(integration=other)
    got["Facebook Ads"].refresh_from_db()
    assert got["Facebook Ads"].lead_source.name == "Facebook Ad"


def test_task_rematches_and_primary_run_queues_the_others(
    club, primary, other, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("mappings.services.rematch.async_task", lambda *a, **k: queued.append(a))
    roster(primary, ("P2", "Anna", "Berg", ""))
    roster(other, ("S2", "Anna", "Berg", ""))
    with django_capture_on_commit_callbacks(execute=True):
        integration_rematch(primary.pk)
    assert queued == [("mappings.tasks.integration_rematch", other.pk)]
    integration_rematch(other.pk)
    assert mappings_of(other)["S2"].status == "matched"
    integration_rematch(999_999)  # gone: quietly nothing


def test_rematch_queue_runs_the_task_through_django_q(
    club, primary, other, monkeypatch, django_capture_on_commit_callbacks
):
    from django_q.conf import Conf

    from mappings.services.rematch import rematch_queue

    monkeypatch.setattr(Conf, "SYNC", True)  # run the queued task in-process
    roster(primary, ("P2", "Anna", "Berg", ""))
    staff_directory_sync(client=club)
    roster(other, ("S2", "Anna", "Berg", ""))
    with django_capture_on_commit_callbacks(execute=True):
        rematch_queue(integration_id=other.pk)
        assert not StaffMapping.objects.filter(integration=other).exists()
    assert mappings_of(other)["S2"].status == "matched"


def test_integration_rematch_run_on_a_non_primary(club, other, directory):
    roster(other, ("S2", "Anna", "Berg", ""))
    integration_rematch_run(integration=other)
    assert mappings_of(other)["S2"].person == directory["P2"]
