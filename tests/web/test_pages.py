"""Every client page renders for the club's user, in plain words, with the club's data only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import LogEntry
from integrations.models.logs import log_write
from mappings.models import MappingStatus
from tests.factories import RemoteLeadSourceFactory, RemoteStaffFactory, StaffPersonFactory

pytestmark = pytest.mark.django_db


def test_list_says_direction_and_data_in_words(web, acme):
    page = web.get("/integrations/").content.decode()
    assert "InTouch → Acme: prospects with staff owner" in page
    assert (
        "InTouch ↔ the other platforms: prospects (with staff owner and lead source) and members"
        in page
    )


def test_list_shows_paused_last_sync_and_what_is_still_wrong(web, acme):
    from integrations.models import Issue
    from integrations.sync.issues.report import Cause, issues_report

    acme.enabled = False
    acme.last_success_at = timezone.now() - dt.timedelta(hours=3)
    acme.save()
    log_write(client_id=acme.client_id, integration_id=acme.pk, level="error", summary="Boom")
    refused, down = Cause("record_refused"), Cause("platform_down")
    issues_report(integration_id=acme.pk, client_id=acme.client_id, seen={refused: 2, down: 1},
                  details={refused: "The platform refused the request (422): phone"})
    Issue.objects.filter(kind="platform_down").update(status="resolved")  # over: not shown
    page = web.get("/integrations/").content.decode()
    assert "Paused" in page
    assert "3\xa0hours ago" in page
    assert "1 problem needs attention now" in page
    assert "Acme refused 2 records: The platform refused the request (422): phone" in page
    assert "not answering" not in page


def test_list_queries_do_not_grow_with_integrations(web, acme, club):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import IntegrationFactory

    with CaptureQueriesContext(connection) as few:
        assert web.get("/integrations/").status_code == 200
    for _ in range(5):
        IntegrationFactory(client=club)
    with CaptureQueriesContext(connection) as many:
        page = web.get("/integrations/").content.decode()
    assert page.count('class="card integration"') == 7
    assert len(many) == len(few) <= 14


def test_options_page_asks_the_guide_questions(web, acme):
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    assert "Acme sends data to the Connector" in page
    assert "Acme receives data from the Connector" in page
    assert 'name="data"' in page and 'value="members"' in page
    assert 'name="staff_owner"' in page and 'name="lead_source"' in page
    assert 'name="unmatched_owner"' in page and 'name="enabled"' in page
    assert 'name="base_url"' not in page  # a push integration has no connection to set


def test_options_the_platform_cannot_do_are_not_offered(web, acme):
    acme.platform.has_staff = False
    acme.platform.has_lead_sources = False
    acme.platform.save()
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    for name in ("staff_owner", "lead_source", "unmatched_owner", "default_staff"):
        assert f'name="{name}"' not in page


def test_every_field_has_a_label(web, acme_api):
    page = web.get(reverse("integration-detail", args=[acme_api.pk])).content.decode()
    import re

    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page)
    assert ids
    for field_id in ids:
        assert f'for="{field_id}"' in page, field_id


def test_staff_mapping_lists_status_in_words(web, acme, club):
    person = StaffPersonFactory(client=club, first_name="Sam", last_name="Ortiz")
    matched = RemoteStaffFactory(integration=acme, first_name="Sam", last_name="Ortiz")
    matched.mapping.status, matched.mapping.person = MappingStatus.MATCHED, person
    matched.mapping.save()
    review = RemoteStaffFactory(integration=acme, first_name="Bob", last_name="Smith")
    review.mapping.status = MappingStatus.NEEDS_REVIEW
    review.mapping.suggestion = StaffPersonFactory(
        client=club, first_name="Robert", last_name="Smith"
    )
    review.mapping.reason = "nickname of first name, same last name"
    review.mapping.save()
    RemoteStaffFactory(integration=acme, first_name="Zed", last_name="Unknown")
    page = web.get(reverse("staff-mappings", args=[acme.pk])).content.decode()
    assert "1 matched" in page and "1 needs review" in page and "1 unmatched" in page
    assert "Maybe Robert Smith" in page and "nickname of first name" in page


def test_lead_source_mapping_lists_unmapped_as_unmatched(web, acme):
    RemoteLeadSourceFactory(integration=acme, name="Facebook ad")
    page = web.get(reverse("lead-source-mappings", args=[acme.pk])).content.decode()
    assert "Facebook ad" in page and "1 unmatched" in page


def test_log_is_newest_first_and_filters_by_type(web, acme):
    log_write(client_id=acme.client_id, level="info", summary="First thing")
    log_write(
        client_id=acme.client_id,
        integration_id=acme.pk,
        level="warning",
        summary="Lead Ana Lopez sent to Acme without owner: Sam Ortiz has no account there",
    )
    page = web.get("/log/").content.decode()
    assert page.index("Lead Ana Lopez") < page.index("First thing")
    filtered = web.get("/log/?level=warning").content.decode()
    assert "Lead Ana Lopez" in filtered and "First thing" not in filtered


def test_log_ignores_a_bad_filter_and_a_bad_page(web, acme):
    log_write(client_id=acme.client_id, level="info", summary="Something")
    assert web.get("/log/?level=<script>&page=zzz").status_code == 200


def test_log_is_paginated(web, acme):
    LogEntry.objects.bulk_create(
        LogEntry(client_id=acme.client_id, level="info", summary=f"Line {n}") for n in range(60)
    )
    first = web.get("/log/").content.decode()
    assert "Page 1 of 2" in first
    second = web.get("/log/?page=2").content.decode()
    assert second.count('class="entry level-info"') == 10


def test_pages_need_login(client, acme):
    for url in ("/integrations/", f"/integrations/{acme.pk}/", "/log/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_log_filters_by_platform_and_keeps_the_filter_across_pages(web, acme, intouch_integration):
    LogEntry.objects.bulk_create(
        LogEntry(client_id=acme.client_id, integration=acme, level="info", summary=f"Acme {n}")
        for n in range(55)
    )
    log_write(
        client_id=acme.client_id,
        integration_id=intouch_integration.pk,
        level="info",
        summary="InTouch thing",
    )
    page = web.get(f"/log/?integration={acme.pk}").content.decode()
    assert "Connector log: Acme" in page and "InTouch thing" not in page
    assert f"?integration={acme.pk}&amp;page=2" in page


def test_log_ignores_another_clubs_integration_filter(web, acme, other_club_integration):
    log_write(
        client_id="rival",
        integration_id=other_club_integration.pk,
        level="error",
        summary="Rival trouble",
    )
    log_write(client_id=acme.client_id, level="info", summary="Our news")
    response = web.get(f"/log/?integration={other_club_integration.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Our news" in page and "Rival trouble" not in page
