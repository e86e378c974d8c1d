"""Issues: one per cause, opened where the problem happens, resolved when the cause is gone.

Credentials and fetches over real HTTP (the sandbox platform); the other causes through the
in-memory platform of tests/sync/fakes.py, whose answers each case controls.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from integrations.adapters.base import AdapterError
from integrations.models import DeliveryAttempt, Issue, LogEntry, OutboxRow
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.services.options import integration_connection_update
from integrations.sync.delivery.deliver import deliver_integration
from integrations.sync.delivery.release import staff_mapping_made
from integrations.sync.delivery.resend import deliveries_discard, deliveries_retry
from integrations.sync.inbound.fetch import integration_fetch
from integrations.sync.issues.refresh import issues_refresh
from integrations.sync.issues.report import Cause, issues_report
from mappings.models import MappingStatus
from mappings.services.review import mapping_no_counterpart
from tests.factories import IntegrationFactory, PlatformFactory, RemoteStaffFactory, UserFactory
from tests.sync.helpers import prospect_row, same_person

TOKEN = "issue-token"


def deliver(integration) -> dict:
    return deliver_integration(integration_id=integration.pk, budget_seconds=5)


@pytest.fixture
def sandbox():
    with SandboxServer(token=TOKEN, store=SandboxStore()) as server:
        yield server


@pytest.fixture
def crm(destination, sandbox):
    destination.base_url, destination.credentials = sandbox.base_url, "an-old-token"
    destination.save()
    return destination


def only_issue(**filters) -> Issue:
    return Issue.objects.get(**filters)


def test_refused_credentials_make_leads_wait_under_one_issue_until_new_ones_are_saved(
    crm, sandbox, django_capture_on_commit_callbacks, settings
):
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = 5  # no probe during the test
    settings.CONNECTOR_OUTAGE_PROBE_MAX_SECONDS = 5
    rows = [prospect_row(destination=crm) for _ in range(3)]

    assert deliver(crm)["waiting"] == 3
    issue = only_issue(kind="credentials_refused")
    assert (issue.status, issue.affected, issue.integration_id) == ("ongoing", 3, crm.pk)
    assert set(OutboxRow.objects.values_list("status", "attempts", "issue")) == {
        ("pending", 0, issue.pk)}  # not failed, not counted against the leads
    calls = sandbox.store.stats["POST /prospects 401"]
    assert calls <= 3
    assert deliver(crm) == {"down": 1} and sandbox.store.stats["POST /prospects 401"] == calls
    assert LogEntry.objects.filter(level="error").count() == 1  # one line, not one per lead

    with django_capture_on_commit_callbacks(execute=True):
        integration_connection_update(integration=crm, acting_user=None,
                                      base_url=crm.base_url, credentials=TOKEN)
    assert deliver(crm)["delivered"] == 3

    issue.refresh_from_db()
    assert (issue.status, issue.affected) == ("resolved", 0)
    assert len(sandbox.store.all_records("prospect")) == 3
    assert not OutboxRow.objects.filter(pk__in=[r.pk for r in rows]).exclude(status="delivered")
    assert LogEntry.objects.filter(summary__contains="accepts the credentials again").exists()


def test_a_platform_that_takes_the_token_again_sends_what_waited(crm, sandbox, settings):
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = 0.05
    prospect_row(destination=crm)
    deliver(crm)
    sandbox.token = "an-old-token"  # the platform re-enabled it: nothing changed here

    time.sleep(0.1)
    OutboxRow.objects.update(next_attempt_at=None)
    assert deliver(crm)["delivered"] == 1
    assert only_issue(kind="credentials_refused").status == "resolved"


def test_a_fetch_refused_opens_the_same_issue_and_a_fetch_that_works_resolves_it(
    club, sandbox
):
    fetched = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"),
                                 direction="send", data="prospects", mode="api",
                                 base_url=sandbox.base_url, credentials="wrong")
    integration_fetch(integration_id=fetched.pk)
    assert only_issue(integration=fetched).kind == "credentials_refused"

    fetched.credentials = TOKEN
    fetched.save()
    integration_fetch(integration_id=fetched.pk)
    assert only_issue(integration=fetched).status == "resolved"


def test_a_record_the_platform_refuses_is_one_issue_and_one_line_naming_the_records(
    destination, platform
):
    rows = [prospect_row(destination=destination) for _ in range(2)]
    platform.faults.extend(
        AdapterError("The platform refused the request (422): email", permanent=True,
                     status=422) for _ in range(2))

    assert deliver(destination)["failed"] == 2

    issue = only_issue(kind="record_refused")
    assert (issue.affected, issue.seen) == (2, 2)
    assert "(422)" in issue.detail
    line = LogEntry.objects.get(level="error")
    assert line.summary.startswith("2 prospects were refused by InTouch: ")
    assert sorted(line.records) == sorted(str(r.record_id) for r in rows)
    for row in rows:  # no name is written into the log
        assert "Ana" not in line.summary + line.detail


def test_sending_again_after_a_fix_delivers_resolves_and_keeps_every_attempt(
    destination, platform
):
    row = prospect_row(destination=destination)
    platform.faults.append(AdapterError("refused (422)", permanent=True, status=422))
    deliver(destination)
    manager = UserFactory(client=destination.client)

    deliveries_retry(row_ids=[row.pk], acting_user=manager)
    assert deliver(destination)["delivered"] == 1

    assert only_issue(kind="record_refused").status == "resolved"
    tries = list(DeliveryAttempt.objects.filter(delivery=row).values_list("result", "actor"))
    assert tries == [("failed", None), ("sent_again", manager.pk), ("delivered", None)]
    assert LogEntry.objects.filter(summary__startswith=f"{manager.email} sent again").exists()


def test_discarding_the_last_failed_row_resolves_its_issue(destination, platform):
    row = prospect_row(destination=destination)
    platform.faults.append(AdapterError("refused (422)", permanent=True, status=422))
    deliver(destination)

    deliveries_discard(row_ids=[row.pk])

    assert only_issue(kind="record_refused").status == "resolved"


def test_every_attempt_is_kept_a_failure_and_its_retry(destination, platform):
    row = prospect_row(destination=destination)
    platform.faults.append(AdapterError("The platform had a problem (500)", status=500))
    deliver(destination)
    OutboxRow.objects.filter(pk=row.pk).update(next_attempt_at=None)
    deliver(destination)

    tries = list(DeliveryAttempt.objects.filter(delivery=row).values_list("result", "answer"))
    assert tries[0] == ("retry", "The platform had a problem (500)")
    assert tries[-1][0] == "delivered" and tries[-1][1].startswith("created ")


@pytest.fixture
def owner(source):
    return RemoteStaffFactory(integration=source, external_id="AC-14", first_name="Jordan",
                              last_name="Reyes")


def test_leads_sent_without_their_owner_are_one_line_and_one_issue_per_owner(
    destination, platform, owner
):
    for _ in range(3):
        prospect_row(destination=destination, staff_owner=owner)

    assert deliver(destination)["delivered"] == 3

    issue = only_issue(kind="owner_missing")
    assert (issue.subject, issue.seen, issue.affected) == (str(owner.pk), 3, 0)
    line = LogEntry.objects.get(level="warning")
    partner = owner.integration.platform.name
    assert line.summary.startswith("3 prospects went to InTouch without an owner: "
                                   f"Jordan Reyes ({partner} staff AC-14) has no staff mapping")
    assert "The owner follows when the mapping is made." in line.summary


def test_an_owner_marked_no_counterpart_closes_the_issue_and_stops_the_promise(
    destination, platform, owner
):
    prospect_row(destination=destination, staff_owner=owner)
    deliver(destination)

    mapping_no_counterpart(mapping=owner.mapping, acting_user=None)
    assert issues_refresh()["resolved"] == 1

    prospect_row(destination=destination, staff_owner=owner)
    deliver(destination)
    latest = LogEntry.objects.filter(level="warning").first()
    assert "marked as having no counterpart" in latest.summary
    assert "follows" not in latest.summary
    assert only_issue(kind="owner_missing").status == "resolved"  # not opened again


def test_held_leads_are_an_issue_that_closes_when_the_owner_is_mapped(
    destination, platform, owner, commit
):
    destination.unmatched_owner = "hold"
    destination.save()
    for _ in range(2):
        prospect_row(destination=destination, staff_owner=owner)

    assert deliver(destination)["held"] == 2
    issue = only_issue(kind="owner_held")
    assert (issue.subject, issue.affected) == (str(owner.pk), 2)
    assert LogEntry.objects.get(level="warning").summary.startswith("2 prospects held until ")

    mine = RemoteStaffFactory(integration=destination, external_id="IT-7", first_name="Jordan",
                              last_name="Reyes")
    same_person(owner, mine)
    commit(staff_mapping_made, integration_id=owner.integration_id, remote_staff_ids=[owner.pk])

    issue.refresh_from_db()
    assert issue.status == "resolved"
    assert set(OutboxRow.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_platform_down_is_an_issue_while_it_lasts(destination, platform, settings):
    settings.CONNECTOR_OUTAGE_AFTER_FAILURES = 3
    settings.CONNECTOR_OUTAGE_QUIET_SECONDS = 0
    settings.CONNECTOR_OUTAGE_PROBE_BASE_SECONDS = 0.05
    for _ in range(6):
        prospect_row(destination=destination)
    platform.faults.extend(AdapterError("Connection refused") for _ in range(8))

    deliver(destination)
    issue = only_issue(kind="platform_down")
    assert (issue.status, issue.affected) == ("ongoing", 6)

    platform.faults.clear()
    time.sleep(0.2)
    OutboxRow.objects.update(next_attempt_at=None)
    deliver(destination)
    issue.refresh_from_db()
    assert issue.status == "resolved"


def test_a_cause_seen_again_after_it_was_resolved_opens_the_same_issue_afresh(destination):
    cause = Cause("record_refused")
    earlier = timezone.now() - dt.timedelta(days=2)
    issues_report(integration_id=destination.pk, client_id=destination.client_id,
                  seen={cause: 5}, now=earlier)
    Issue.objects.update(status="resolved", resolved_at=earlier)

    ids = issues_report(integration_id=destination.pk, client_id=destination.client_id,
                        seen={cause: 1}, details={cause: "why"})

    issue = Issue.objects.get()
    assert ids == {cause: issue.pk}
    assert (issue.status, issue.seen, issue.detail, issue.resolved_at) == (
        "ongoing", 1, "why", None)
    assert issue.first_seen_at > earlier


def test_reporting_many_causes_is_a_constant_number_of_statements(
    destination, django_assert_max_num_queries
):
    def report(n):
        return issues_report(integration_id=destination.pk, client_id=destination.client_id,
                             seen={Cause("owner_missing", str(i)): 1 for i in range(n)})

    with django_assert_max_num_queries(6):
        assert len(report(40)) == 40
    with django_assert_max_num_queries(6):
        report(80)  # 40 seen again, 40 new
    assert Issue.objects.count() == 80
    assert set(Issue.objects.filter(subject__in=[str(i) for i in range(40)])
               .values_list("seen", flat=True)) == {2}


def test_a_fetched_record_that_is_not_valid_is_an_issue_until_it_is(club, sandbox):
    fetched = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"),
                                 direction="send", data="prospects", mode="api",
                                 base_url=sandbox.base_url, credentials=TOKEN)
    bad, _ = sandbox.store.record_create("prospect",
                                         {"first_name": "Kim", "email": "not-an-email"})
    integration_fetch(integration_id=fetched.pk)
    issue = only_issue(kind="fetch_invalid")
    assert (issue.subject, issue.affected) == ("prospect", 1)
    assert bad["id"] in issue.detail

    sandbox.store.record_update("prospect", bad["id"], {"email": "kim@example.com"})
    integration_fetch(integration_id=fetched.pk)
    issue.refresh_from_db()
    assert issue.status == "resolved"


def test_the_refresh_recounts_and_resolves_in_a_few_queries(
    destination, platform, owner, django_assert_max_num_queries
):
    prospect_row(destination=destination, staff_owner=owner)
    deliver(destination)
    owner.mapping.status = MappingStatus.NO_COUNTERPART
    owner.mapping.save()
    with django_assert_max_num_queries(12):
        assert issues_refresh()["resolved"] == 1


def test_leads_that_waited_for_credentials_end_the_refusal_even_if_the_cache_forgot_it(
    crm, sandbox
):
    from django.core.cache import cache

    prospect_row(destination=crm)
    deliver(crm)
    cache.clear()  # a restarted cache: nothing says the platform refused
    sandbox.token = "an-old-token"
    OutboxRow.objects.update(next_attempt_at=None)

    assert deliver(crm)["delivered"] == 1
    assert only_issue(kind="credentials_refused").status == "resolved"
