"""The support admin: every page opens, lists stay bounded, secrets never show."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from integrations.models import (
    ApiKey,
    AuditEntry,
    ExternalLink,
    Integration,
    LogEntry,
    Member,
    Prospect,
)
from integrations.services.launch import (
    api_key_issue,
    hash_api_key,
    integration_set_credentials,
)
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

pytestmark = pytest.mark.django_db


def changelist(model) -> str:  # noqa: ANN001
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_registered_model_has_a_working_list_and_add_page(admin_client):
    IntegrationFactory()
    for model, model_admin in admin.site._registry.items():
        response = admin_client.get(changelist(model))
        assert response.status_code == 200, model
        if model_admin.has_add_permission(response.wsgi_request):
            add_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert admin_client.get(add_url).status_code == 200, model


def test_admin_shows_connector_support_title(admin_client):
    assert b"Connector support" in admin_client.get("/admin/").content


def test_saved_credentials_are_never_shown_back(admin_client):
    integration = IntegrationFactory(mode="api", base_url="https://p.example")
    integration_set_credentials(integration=integration, credentials="tok-very-secret-3f9a")
    integration.save()
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    page = admin_client.get(url).content.decode()
    assert "tok-very-secret" not in page
    assert "saved ●●●● 3f9a" in page


def test_issuing_a_key_in_the_admin_shows_it_once_and_stores_its_hash(admin_client):
    platform = PlatformFactory()
    response = admin_client.post(
        reverse("admin:integrations_apikey_add"), {"platform": platform.pk, "name": "prod"}
    )
    assert response.status_code == 200  # the key is in this page, not behind a redirect
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    page = response.content.decode()
    raw = page.split('<code id="new-api-key"')[1].split(">")[1].split("</code")[0]
    assert raw.startswith("cpk_") and raw.startswith(key.prefix)
    assert key.hashed_key == hash_api_key(raw) and key.hashed_key != raw
    change_page = admin_client.get(reverse("admin:integrations_apikey_change", args=[key.pk]))
    assert raw not in change_page.content.decode()


def test_a_new_key_travels_in_no_cookie_session_or_log(admin_client, caplog):
    """Django's messages live in a cookie (signed, not encrypted): the key never goes there."""
    from tests.conftest import SUITE_LOG

    logged = len(SUITE_LOG.lines)
    response = admin_client.post(
        reverse("admin:integrations_apikey_add"), {"platform": PlatformFactory().pk}
    )
    raw = response.content.decode().split('<code id="new-api-key"')[1].split(">")[1][:-6]
    assert raw.startswith("cpk_") and len(raw) > 40
    assert all(raw not in morsel.value for morsel in response.cookies.values())
    assert all(raw not in str(value) for value in admin_client.session.values())
    assert raw not in caplog.text and not any(raw in line for line in SUITE_LOG.lines[logged:])
    following = admin_client.get(reverse("admin:integrations_apikey_changelist"))
    assert raw not in following.content.decode()
    assert all(raw not in morsel.value for morsel in following.cookies.values())


def test_revoke_action_revokes_and_audits(admin_client):
    api_key, _ = api_key_issue(platform=PlatformFactory())
    admin_client.post(
        changelist(ApiKey), {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_key.revoke").count() == 1


def test_integration_form_refuses_extras_without_prospects(admin_client):
    integration = IntegrationFactory(data="both", staff_owner=False, lead_source=False)
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    data = {
        "client": integration.client_id,
        "platform": integration.platform_id,
        "enabled": "on",
        "direction": "both",
        "data": "members",
        "staff_owner": "on",
        "unmatched_owner": "send_without_owner",
        "default_lead_source_name": "Import",
        "prospect_review": "send_as_new",
        "member_review": "hold",
        "mode": "push",
        "base_url": "",
        "fetch_interval_minutes": 5,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "prospect extras" in response.content.decode()
    integration.refresh_from_db()
    assert integration.data == "both"


def test_integration_form_saves_new_credentials_encrypted_and_audits(admin_client):
    integration = IntegrationFactory(staff_owner=False, lead_source=False)
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    data = {
        "client": integration.client_id,
        "platform": integration.platform_id,
        "enabled": "on",
        "direction": "both",
        "data": "both",
        "unmatched_owner": "send_without_owner",
        "default_lead_source_name": "Import",
        "prospect_review": "send_as_new",
        "member_review": "hold",
        "mode": "api",
        "base_url": "https://p.example",
        "fetch_interval_minutes": 5,
        "new_credentials": "new-token-abcd",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(pk=integration.pk)
    assert integration.credentials == "new-token-abcd"
    entry = AuditEntry.objects.get(action="integration.change")
    assert entry.new["credentials"] == "replaced"
    assert "new-token" not in str(entry.new)


@pytest.fixture
def many_records(db):
    clients = [ClientFactory() for _ in range(3)]
    integrations = [IntegrationFactory(client=c) for c in clients]
    Prospect.objects.bulk_create(
        Prospect(
            client=clients[i % 3],
            first_name=f"P{i}",
            last_name="Doe",
            source_integration=integrations[i % 3],
        )
        for i in range(600)
    )
    Member.objects.bulk_create(
        Member(client=clients[i % 3], first_name=f"M{i}", status="active") for i in range(300)
    )
    LogEntry.objects.bulk_create(
        LogEntry(client=clients[i % 3], level="info", summary=f"line {i}") for i in range(300)
    )
    return clients


@pytest.mark.parametrize("model", [Prospect, Member, LogEntry, Integration, ApiKey])
def test_list_pages_run_a_bounded_number_of_queries(
    admin_client, many_records, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = admin_client.get(changelist(model))
    assert response.status_code == 200


def test_prospect_search_by_external_id_and_change_page(admin_client, many_records):
    prospect = Prospect.objects.first()
    response = admin_client.get(changelist(Prospect), {"q": str(prospect.pk)})
    assert response.status_code == 200
    assert str(prospect) in response.content.decode()
    page = admin_client.get(reverse("admin:integrations_prospect_change", args=[prospect.pk]))
    assert page.status_code == 200
    assert b"Journey" in page.content


def test_change_page_of_unknown_record_redirects_not_500(admin_client):
    url = reverse("admin:integrations_prospect_change", args=[uuid.uuid4()])
    assert admin_client.get(url).status_code == 302


@pytest.mark.parametrize("term", ["not-a-uuid", "Doe", "P1", "x@y.example", "'; drop"])
def test_prospect_search_never_fails(admin_client, many_records, term):
    assert admin_client.get(changelist(Prospect), {"q": term}).status_code == 200


def test_client_list_counts_mappings_of_non_primary_integrations_only(admin_client):
    from mappings.models import StaffMapping
    from tests.factories import RemoteStaffFactory, StaffPersonFactory

    club = ClientFactory(name="Counted Club")
    primary = IntegrationFactory(client=club, is_primary=True)
    partner = IntegrationFactory(client=club)
    person = StaffPersonFactory(client=club)
    own = RemoteStaffFactory(integration=primary)
    StaffMapping.objects.filter(remote=own).update(status="matched", person=person)
    matched = RemoteStaffFactory(integration=partner)
    StaffMapping.objects.filter(remote=matched).update(status="matched", person=person)
    for status in ("needs_review", "needs_review", "unmatched"):
        remote = RemoteStaffFactory(integration=partner)
        StaffMapping.objects.filter(remote=remote).update(status=status)
    page = admin_client.get(changelist(club.__class__)).content.decode()
    assert "1 matched · <strong>2</strong> need review · 1 unmatched" in page
    detail = admin_client.get(reverse("admin:integrations_client_change", args=[club.pk]))
    assert "need review" in detail.content.decode()


def test_api_integration_page_has_a_sync_now_button_that_queues_a_fetch(admin_client):
    from django_q.models import OrmQ

    integration = IntegrationFactory(mode="api", base_url="https://p.example")
    url = reverse("admin:integrations_integration_change", args=[integration.pk])
    page = admin_client.get(url).content.decode()
    action = reverse("admin:integrations_sync_now", args=[integration.pk])
    assert f'formaction="{action}"' in page
    before = OrmQ.objects.count()
    response = admin_client.post(action, follow=True)
    assert response.status_code == 200
    assert OrmQ.objects.count() == before + 1


def test_prospect_search_finds_by_email_id_external_id_and_last_name(admin_client, db):
    from integrations.sync.inbound.ingest import records_ingest

    sender = IntegrationFactory()
    [ana, bo] = records_ingest(
        integration=sender,
        kind="prospect",
        records=[
            {"external_id": "EXT-ANA", "first_name": "Ana", "last_name": "Lopez",
             "email": "ana@club.example"},
            {"external_id": "EXT-BO", "first_name": "Bo", "last_name": "Berg"},
        ],
    )  # fmt: skip
    for term, found in [("ANA@club.example", ana), (str(bo.id), bo), ("EXT-BO", bo),
                        ("lop", ana), ("EXT-ANA", ana)]:  # fmt: skip
        page = admin_client.get(changelist(Prospect), {"q": term}).content.decode()
        other = bo if found is ana else ana
        assert str(found.record) in page and str(other.record) not in page, term


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("term", ["ana@club.example", "0192f0c4-1c1e-7a55-8b1e-2f2b6f8e9a10"])
def test_prospect_search_by_email_or_id_reads_through_indexes(db, term):
    """With sequential scans priced out, the rows are still found by an index condition, not
    by reading an index in order and filtering (the old OR-ed search did that)."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    ClientFactory.create_batch(3)  # the email is looked up per client: (client, email)
    model_admin = site._registry[Prospect]
    request = RequestFactory().get("/")
    queryset, _ = model_admin.get_search_results(request, Prospect.objects.all(), term)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        plan = queryset.explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    assert "Index Cond" in plan and "Filter" not in plan and "Seq Scan" not in plan, plan


def _record_form(**changes: str) -> dict:
    data = {
        "first_name": "Ana", "last_name": "Lopez", "email": "", "phone": "", "birth_date": "",
        "gender": "", "address": "{}", "notes": "",
        "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "555-1234"}, "phone", "Not a valid phone number."),
        ({"email": "ana@"}, "email", "Enter a valid email address."),
        ({"address": '{"country": "Ä1"}'}, "address", "Use a 2-letter ISO code."),
        ({"address": "[1]", "phone": "2125550123"}, "address", "Must be an object."),
        ({"first_name": "Ana\x00"}, "first_name", "Null characters are not allowed."),
    ],
)
def test_the_record_form_holds_support_staff_to_the_apis_rules(
    admin_client, changes, field, message
):
    record = Prospect.objects.create(client=ClientFactory(), first_name="Ana")
    url = reverse("admin:integrations_prospect_change", args=[record.pk])
    response = admin_client.post(url, _record_form(**changes))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    record.refresh_from_db()
    assert (record.phone, record.email, record.address) == ("", "", {})


def test_the_record_form_stores_values_as_the_api_would(admin_client):
    record = Prospect.objects.create(client=ClientFactory(), first_name="Ana")
    url = reverse("admin:integrations_prospect_change", args=[record.pk])
    response = admin_client.post(url, _record_form(
        first_name="\u200bAna", phone="(212) 555-0123", email="Ana@Example.COM",
        address='{"country": "us"}', birth_date="0001-01-01",
    ))
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert (record.first_name, record.phone, record.email) == (
        "Ana", "+12125550123", "ana@example.com"
    )
    assert record.address == {"country": "US"} and str(record.birth_date) == "0001-01-01"


@pytest.mark.parametrize("bad", ["\u200bWS", "a/b", "a\tb"])
def test_an_external_id_edited_in_the_admin_follows_the_rule(admin_client, bad):
    record = Prospect.objects.create(client=ClientFactory(), first_name="Ana")
    integration = IntegrationFactory(client_id=record.client_id)
    link = ExternalLink.objects.create(
        integration=integration, kind="prospect", external_id="P1", prospect=record
    )
    url = reverse("admin:integrations_externallink_change", args=[link.pk])
    response = admin_client.post(url, {
        "integration": integration.pk, "kind": "prospect", "external_id": bad,
        "prospect": record.pk, "member": "",
    })
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.external_id == "P1"
