"""A sender repeating the owner it was given, in its own ids, is not a change: no echo."""

from __future__ import annotations

import pytest

from integrations.models import ExternalLink, OutboxRow
from integrations.sync.inbound.ingest import records_ingest
from tests.factories import IntegrationFactory, PlatformFactory, RemoteStaffFactory
from tests.sync.helpers import same_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_way(club, intouch):
    intouch_side = IntegrationFactory(client=club, platform=intouch, is_primary=True)
    partner = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme"))
    ours = RemoteStaffFactory(integration=intouch_side, external_id="IT-1")
    theirs = RemoteStaffFactory(integration=partner, external_id="AC-10")
    same_person(ours, theirs)
    return intouch_side, partner


def ana(owner: str, external_id: str) -> dict:
    return {
        "external_id": external_id,
        "first_name": "Ana",
        "last_name": "Lopez",
        "staff_owner": {"external_id": owner},
    }


def test_owner_sent_back_in_the_senders_ids_is_unchanged_and_not_echoed(two_way):
    intouch_side, partner = two_way
    [created] = records_ingest(integration=partner, kind="prospect", records=[ana("AC-10", "A1")])
    assert created.status == "created"
    ExternalLink.objects.create(
        integration=intouch_side, kind="prospect", external_id="I1", prospect_id=created.id
    )
    rows_before = OutboxRow.objects.count()

    [again] = records_ingest(
        integration=intouch_side, kind="prospect", records=[ana("IT-1", "I1")]
    )

    assert again.status == "unchanged"
    assert OutboxRow.objects.count() == rows_before


def test_a_different_owner_from_the_other_side_is_a_change(two_way):
    intouch_side, partner = two_way
    RemoteStaffFactory(integration=intouch_side, external_id="IT-2")
    [created] = records_ingest(integration=partner, kind="prospect", records=[ana("AC-10", "A1")])
    ExternalLink.objects.create(
        integration=intouch_side, kind="prospect", external_id="I1", prospect_id=created.id
    )

    [again] = records_ingest(
        integration=intouch_side, kind="prospect", records=[ana("IT-2", "I1")]
    )

    assert again.status == "updated"
    assert OutboxRow.objects.filter(integration=partner).count() == 1
