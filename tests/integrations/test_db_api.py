"""The plain-SQL lookups of the partner API give the instances the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model

from integrations.db.api import api_key_by_hash, integration_of
from integrations.models import ApiKey, Integration
from integrations.services.launch import api_key_issue
from tests.factories import ClientFactory, IntegrationFactory

pytestmark = pytest.mark.django_db


def values(obj: Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_key_and_its_platform_are_what_the_orm_reads():
    integration = IntegrationFactory()
    key, _ = api_key_issue(platform=integration.platform)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
    expected = ApiKey.objects.select_related("platform").get(pk=key.pk)

    found = api_key_by_hash(expected.hashed_key)

    assert values(found) == values(expected)
    assert values(found.platform) == values(expected.platform)
    assert found._state.adding is False and found._state.db == "default"
    assert api_key_by_hash("0" * 64) is None


def test_the_integration_and_its_client_are_what_the_orm_reads(django_assert_num_queries):
    club = ClientFactory()
    integration = IntegrationFactory(
        client=club, fetch_cursor={"since": "2026-11-26T10:00:00Z"}, enabled=False
    )
    expected = Integration.objects.select_related("client", "platform").get(pk=integration.pk)

    with django_assert_num_queries(1):
        found = integration_of(client_id=club.pk, platform=expected.platform)
        assert (found.client.name, found.platform.slug) == (club.name, expected.platform.slug)

    assert values(found) == values(expected)  # JSON, booleans and datetimes converted alike
    assert values(found.client) == values(expected.client)
    assert integration_of(client_id="no-such-club", platform=expected.platform) is None
