"""The database itself enforces the domain's rules."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from integrations.models import ExternalLink, Integration, Platform, Prospect
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory


def test_intouch_exists_from_the_first_migration(db):
    platform = Platform.objects.get(slug="intouch")
    assert platform.name == "InTouch"


def test_second_primary_integration_is_refused_by_the_database(db):
    client = ClientFactory()
    IntegrationFactory(client=client, is_primary=True)
    with pytest.raises(IntegrityError):
        IntegrationFactory(client=client, is_primary=True)


def test_second_integration_with_the_same_platform_is_refused(db):
    first = IntegrationFactory()
    with pytest.raises(IntegrityError):
        Integration.objects.create(
            client=first.client, platform=first.platform, direction="send", data="prospects"
        )


def test_prospect_extras_on_members_only_integration_are_refused(db):
    with pytest.raises(IntegrityError):
        IntegrationFactory(data="members", staff_owner=True, lead_source=False)


def test_duplicate_external_id_link_is_refused(db):
    integration = IntegrationFactory()
    first = Prospect.objects.create(client=integration.client, first_name="Ana")
    second = Prospect.objects.create(client=integration.client, first_name="Bo")
    ExternalLink.objects.create(
        integration=integration, kind="prospect", external_id="X1", prospect=first
    )
    with pytest.raises(IntegrityError):
        ExternalLink.objects.create(
            integration=integration, kind="prospect", external_id="X1", prospect=second
        )


def test_link_must_point_at_a_record_of_its_kind(db):
    integration = IntegrationFactory()
    prospect = Prospect.objects.create(client=integration.client, first_name="Ana")
    with pytest.raises(IntegrityError):
        ExternalLink.objects.create(
            integration=integration, kind="member", external_id="X1", prospect=prospect
        )


def test_platform_factory_reuses_slug(db):
    assert PlatformFactory(slug="acme") == PlatformFactory(slug="acme")
