"""Translation at read time: owners, sources, the default-staff policy, conversions."""

from __future__ import annotations

import uuid

from integrations.models import OutboxRow
from integrations.records.translate import TranslateItem, owner_apply_policy, records_translate
from integrations.sync.delivery.feed import events_render
from integrations.sync.inbound.ingest import records_ingest
from mappings.models import RemoteStaff, StaffMapping, StaffPerson
from tests.factories import IntegrationFactory


def owner_person(club, sender, receiver, *, map_receiver: bool):
    person = StaffPerson.objects.create(client=club, external_id="D1", first_name="Sam")
    remote = RemoteStaff.objects.create(integration=sender, external_id="E42", first_name="Sam")
    StaffMapping.objects.create(remote=remote, integration=sender, person=person, status="matched")
    if map_receiver:
        theirs = RemoteStaff.objects.create(integration=receiver, external_id="U7", email="s@x.co")
        StaffMapping.objects.create(
            remote=theirs, integration=receiver, person=person, status="matched"
        )
    return remote


def test_owner_translation_says_why_it_failed(club, sender, receiver):
    remote = owner_person(club, sender, receiver, map_receiver=False)
    stranger = RemoteStaff.objects.create(integration=sender, external_id="E9")
    items = [
        TranslateItem(record_id=uuid.uuid4(), staff_owner_id=remote.pk),
        TranslateItem(record_id=uuid.uuid4(), staff_owner_id=stranger.pk),
        TranslateItem(record_id=uuid.uuid4()),
    ]
    found = records_translate(integration=receiver, kind="prospect", items=items)
    assert [t.owner.status for t in found] == ["destination_unmapped", "source_unmapped", "none"]
    assert found[0].owner.person_id is not None
    assert all(t.owner.reason for t in found[:2])


def test_translation_is_a_fixed_number_of_queries(
    club, sender, receiver, django_assert_max_num_queries
):
    remote = owner_person(club, sender, receiver, map_receiver=True)

    items = [TranslateItem(record_id=uuid.uuid4(), staff_owner_id=remote.pk) for _ in range(200)]
    with django_assert_max_num_queries(6):
        found = records_translate(integration=receiver, kind="prospect", items=items)
    assert {t.owner.staff_owner["external_id"] for t in found} == {"U7"}


def test_default_staff_policy_fills_an_untranslated_owner(club, sender, receiver):
    remote = owner_person(club, sender, receiver, map_receiver=False)
    default = RemoteStaff.objects.create(integration=receiver, external_id="DEFAULT")
    receiver.unmatched_owner = "default_staff"
    receiver.default_staff = default
    receiver.save()

    [t] = records_translate(
        integration=receiver,
        kind="prospect",
        items=[TranslateItem(record_id=uuid.uuid4(), staff_owner_id=remote.pk)],
    )
    assert owner_apply_policy(integration=receiver, translation=t.owner)["external_id"] == "DEFAULT"


def test_conversion_is_shown_only_where_conversions_are_included(club, sender, receiver):
    plain = IntegrationFactory(client=club, direction="receive", include_conversions=False)
    records_ingest(
        integration=sender, kind="prospect", records=[{"external_id": "P1", "email": "a@x.co"}]
    )
    records_ingest(
        integration=sender,
        kind="member",
        records=[{"external_id": "M1", "email": "a@x.co", "prospect_external_id": "P1"}],
    )
    for integration, visible in ((receiver, True), (plain, False)):
        rows = list(OutboxRow.objects.filter(integration=integration, kind="member"))
        [event] = events_render(integration=integration, rows=rows)
        assert event["type"] == "member.created"
        assert (event["data"]["prospect_id"] is not None) is visible
