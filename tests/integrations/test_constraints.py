"""The database itself enforces the domain's rules."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

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


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The byte-wise collation is PostgreSQL's."
)
def test_ids_and_emails_compare_bytewise_and_still_mean_the_same(db):
    columns = [
        ("integrations_externallink", "external_id"),
        ("integrations_externallink", "kind"),
        ("integrations_prospect", "email"),
        ("integrations_member", "email"),
    ]
    with connection.cursor() as cursor:
        for table, column in columns:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            assert cursor.fetchone()[0] == "C", (table, column)
    # Equality is unchanged: an external id differing only in case or accents is another id,
    # the same one is refused again.
    integration = IntegrationFactory()
    records = [Prospect.objects.create(client=integration.client) for _ in range(3)]
    for external_id, record in zip(["Ana-1", "ana-1", "Aña-1"], records, strict=True):
        ExternalLink.objects.create(
            integration=integration, kind="prospect", external_id=external_id, prospect=record
        )
    another = Prospect.objects.create(client=integration.client)
    with pytest.raises(IntegrityError, match="one_link_per_external_id"):
        ExternalLink.objects.create(
            integration=integration, kind="prospect", external_id="Ana-1", prospect=another
        )
