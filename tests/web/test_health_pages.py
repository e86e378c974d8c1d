"""The club's view of sync health: status per direction, what waits, issues, send again, a
connection test before saving, the log searched and named, the club's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import (
    Change,
    DeliveryAttempt,
    Issue,
    LogEntry,
    OutboxRow,
    Prospect,
    ReceivedTally,
)
from integrations.models.logs import log_write
from integrations.monitoring.tally import records_received_fold
from integrations.sandbox import SandboxServer
from integrations.sync.issues.report import Cause, issues_report
from tests.factories import IntegrationFactory, PlatformFactory, RemoteStaffFactory

pytestmark = pytest.mark.django_db


def row(integration, status="pending", *, name=("Maria", "Gomez"), issue=None):
    prospect = Prospect.objects.create(client_id=integration.client_id, first_name=name[0],
                                       last_name=name[1])
    change = Change.objects.create(client_id=integration.client_id, kind="prospect",
                                   record_id=prospect.pk, event_type="prospect.created")
    return OutboxRow.objects.create(integration=integration, change=change, kind="prospect",
                                    record_id=prospect.pk, event_type="prospect.created",
                                    status=status, issue=issue)


def report(integration, cause: Cause, n=1, detail=""):
    ids = issues_report(integration_id=integration.pk, client_id=integration.client_id,
                        seen={cause: n}, details={cause: detail} if detail else None)
    return Issue.objects.get(pk=ids[cause])


def test_a_card_is_failing_not_on_while_every_call_is_refused(web, acme_api):
    issue = report(acme_api, Cause("credentials_refused"), detail="refused (401)")
    for _ in range(3):
        row(acme_api, issue=issue)
    Issue.objects.filter(pk=issue.pk).update(affected=3)

    page = web.get("/integrations/").content.decode()

    assert 'class="badge s-failing">Failing<' in page
    assert "Acme refuses the credentials: 3 waiting" in page
    assert "Acme refuses the credentials since " in page and ": 3 records waiting" in page
    assert reverse("integration-detail", args=[acme_api.pk]) + "#connection" in page


def test_held_and_failed_leads_show_on_the_list_and_in_the_log(web, acme):
    owner = RemoteStaffFactory(integration=acme.client.integrations.get(is_primary=True),
                               first_name="Jordan", last_name="Reyes", external_id="IT-14")
    held = report(acme, Cause("owner_held", str(owner.pk)), n=2)
    for _ in range(2):
        row(acme, "held", issue=held)
    Issue.objects.filter(pk=held.pk).update(affected=2)
    row(acme, "failed")

    listed = web.get("/integrations/").content.decode()
    assert 'class="badge s-attention">Needs attention<' in listed
    assert "1 failed, 2 held" in listed
    assert "2 leads held for Jordan Reyes (InTouch staff IT-14): no staff mapping in Acme" \
        in listed
    assert "2 leads held for Jordan Reyes" in web.get("/log/").content.decode()


def test_a_platform_that_only_sends_shows_what_it_sent(web, club, acme):
    sender = IntegrationFactory(client=club, platform=PlatformFactory(name="GymSales"),
                                direction="send", data="prospects")
    ReceivedTally.objects.create(integration=sender, day=timezone.now().date(), records=6000,
                                 last_at=timezone.now())

    page = web.get("/integrations/").content.decode()

    assert "Last 30 days: 6000 records received from GymSales" in page
    assert "6,000 records received in 30 days" in page


def test_the_chart_has_dated_axes_in_the_clubs_days(web, acme):
    acme.client.time_zone = "Pacific/Kiritimati"  # UTC+14: often a day ahead
    acme.client.save()
    today = timezone.localdate(timezone.now(), acme.client.zone)
    page = web.get("/integrations/").content.decode()
    assert f"<span>{today.day} {today:%b}</span>" in page
    first = today - dt.timedelta(days=29)
    assert f"<span>{first.day} {first:%b}</span>" in page


def test_send_again_requeues_the_clubs_failed_leads_and_says_who(web, acme_api, manager):
    failed = [row(acme_api, "failed") for _ in range(2)]
    other = IntegrationFactory(client=acme_api.client, platform=PlatformFactory())
    untouched = row(other, "failed")

    page = web.get(reverse("integration-detail", args=[acme_api.pk])).content.decode()
    assert "Send the 2 failed records again" in page
    response = web.post(reverse("integration-resend", args=[acme_api.pk]), follow=True)

    assert "2 failed records sent to Acme again." in response.content.decode()
    assert set(OutboxRow.objects.filter(pk__in=[r.pk for r in failed])
               .values_list("status", "attempts")) == {("pending", 0)}
    assert OutboxRow.objects.get(pk=untouched.pk).status == "failed"
    assert set(DeliveryAttempt.objects.values_list("result", "actor")) == {
        ("sent_again", manager.pk)}
    assert LogEntry.objects.filter(summary__startswith=f"{manager.email} sent 2 failed").exists()


def test_another_clubs_integration_cannot_be_sent_again(web, other_club_integration):
    failed = row(other_club_integration, "failed")
    assert web.post(reverse("integration-resend", args=[other_club_integration.pk])
                    ).status_code == 404
    assert OutboxRow.objects.get(pk=failed.pk).status == "failed"


@pytest.fixture
def sandbox(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    with SandboxServer(token="the-new-token") as server:
        yield server


def test_test_connection_tries_the_typed_token_and_saves_nothing(web, acme_api, sandbox):
    acme_api.base_url, acme_api.credentials = sandbox.base_url, "the-old-token"
    acme_api.save()
    url = reverse("integration-test", args=[acme_api.pk])

    page = web.post(url, {"base_url": sandbox.base_url, "credentials": "the-new-token"}
                    ).content.decode()

    assert "✔ Connected" in page
    assert 'value="the-new-token"' in page  # kept in the form, for "Save connection"
    acme_api.refresh_from_db()
    assert acme_api.credentials == "the-old-token"  # the live sync goes on with the saved one
    assert "✖ The platform refused the credentials" in web.post(
        url, {"base_url": sandbox.base_url}).content.decode()  # empty: the saved token


def test_test_connection_refuses_an_address_it_must_not_call(web, acme_api):
    page = web.post(reverse("integration-test", args=[acme_api.pk]),
                    {"base_url": "http://169.254.169.254/latest"}).content.decode()
    assert "✖" in page and "Traceback" not in page


def test_an_issue_page_lists_the_records_it_holds_up_by_name(web, acme, other_club_integration):
    issue = report(acme, Cause("record_refused"), n=2, detail="refused (422): phone")
    row(acme, "failed", name=("Kenji", "Watanabe"), issue=issue)
    row(acme, "failed", name=("Lena", "Fischer"), issue=issue)
    page = web.get(reverse("issue-detail", args=[acme.pk, issue.pk])).content.decode()
    assert "Kenji Watanabe" in page and "Lena Fischer" in page
    assert "The records (2)" in page

    theirs = report(other_club_integration, Cause("record_refused"))
    assert web.get(reverse("issue-detail", args=[other_club_integration.pk, theirs.pk])
                   ).status_code == 404
    assert web.get(reverse("issue-detail", args=[acme.pk, theirs.pk])).status_code == 404


def test_the_log_names_records_at_read_time_and_is_searchable_by_text_and_day(web, acme):
    person = Prospect.objects.create(client_id=acme.client_id, first_name="Ines",
                                     last_name="Moreau")
    log_write(client_id=acme.client_id, integration_id=acme.pk, level="error",
              summary="A prospect was refused by Acme: phone", record_kind="prospect",
              record_ids=[person.pk])
    old = log_write(client_id=acme.client_id, level="info", summary="Staff list updated")
    LogEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    assert "Ines" not in LogEntry.objects.get(level="error").summary  # never written

    page = web.get("/log/").content.decode()
    assert "Ines Moreau" in page

    found = web.get("/log/", {"q": "REFUSED"}).content.decode()
    assert "was refused by Acme" in found and "Staff list updated" not in found
    today = timezone.localdate()
    recent = web.get("/log/", {"since": today.isoformat()}).content.decode()
    assert "was refused by Acme" in recent and "Staff list updated" not in recent
    before = web.get("/log/", {"until": (today - dt.timedelta(days=2)).isoformat()})
    assert "Staff list updated" in before.content.decode()


def test_the_club_sets_its_time_zone_and_reads_its_own_times(web, acme, manager):
    entry = log_write(client_id=acme.client_id, level="info", summary="Something happened")
    LogEntry.objects.filter(pk=entry.pk).update(
        created_at=dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))

    response = web.post("/settings/", {"time_zone": "Europe/Madrid"}, follow=True)

    assert "Saved." in response.content.decode()
    acme.client.refresh_from_db()
    manager.refresh_from_db()
    assert acme.client.time_zone == "Europe/Madrid" and manager.issue_emails is False
    assert "1 Jul 2026, 14:00" in web.get("/log/").content.decode()  # CEST, UTC+2


def test_a_time_zone_that_does_not_exist_is_refused_with_the_form(web, acme):
    response = web.post("/settings/", {"time_zone": "Mars/Olympus", "issue_emails": "on"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    acme.client.refresh_from_db()
    assert acme.client.time_zone == "UTC"


def test_issues_resolved_are_not_what_is_wrong_now(web, acme):
    issue = report(acme, Cause("record_refused"), detail="refused (422)")
    Issue.objects.filter(pk=issue.pk).update(status="resolved")
    page = web.get("/integrations/").content.decode()
    assert "needs attention now" not in page and "Needs your attention" not in page


def test_the_issues_page_lists_what_is_wrong_and_what_is_over(web, acme, intouch_integration):
    report(acme, Cause("record_refused"), detail="refused (422)")
    over = report(intouch_integration, Cause("platform_down"))
    Issue.objects.filter(pk=over.pk).update(status="resolved", resolved_at=timezone.now())

    ongoing = web.get("/issues/").content.decode()
    assert "Acme refused 1 record: refused (422)" in ongoing and "not answering" not in ongoing
    resolved = web.get("/issues/", {"status": "resolved"}).content.decode()
    assert "InTouch is not answering since" in resolved and "Acme refused" not in resolved
    only_intouch = web.get("/issues/", {"integration": intouch_integration.pk}).content.decode()
    assert "Nothing is wrong" in only_intouch


def test_an_owner_known_to_the_staff_list_is_linked_at_the_platform_that_lacks_them(
    web, acme
):
    from tests.sync.helpers import same_person

    owner = RemoteStaffFactory(integration=acme.client.integrations.get(is_primary=True),
                               first_name="Robert", last_name="Miller", external_id="IT-3")
    same_person(owner)  # a person of the staff list: only Acme has no account linked to him
    report(acme, Cause("owner_missing", str(owner.pk)))

    page = web.get("/integrations/").content.decode()

    assert "1 lead sent to Acme without owner Robert Miller (InTouch staff IT-3)" in page
    assert "Link Acme&#x27;s account of Robert Miller to your staff list" in page
    assert reverse("staff-mappings", args=[acme.pk]) in page


def test_what_a_platform_sends_is_counted_by_the_sweep_from_the_change_log(web, club, acme):
    from integrations.sync.inbound.ingest import records_ingest

    sender = IntegrationFactory(client=club, platform=PlatformFactory(name="GymSales"),
                                direction="send", data="prospects")
    records = [{"external_id": f"G-{i}", "first_name": "Ana", "last_name": str(i)}
               for i in range(3)]
    assert records_received_fold() == 0  # the first fold starts from the newest change
    records_ingest(integration=sender, kind="prospect", records=records)
    records_ingest(integration=sender, kind="prospect", records=records)  # nothing new

    # A fold counts up to the newest change the previous one saw: a batch committing then
    # had a minute to commit.
    assert records_received_fold() == 0
    assert records_received_fold() == 3
    assert records_received_fold() == 0
    assert "3 records received in 30 days" in web.get("/integrations/").content.decode()
