"""The support home and the admin's deliveries and issues: what needs a person, as links."""

from __future__ import annotations

from django.urls import reverse

from integrations.models import DeliveryAttempt, ExternalLink, Issue, OutboxRow, Prospect
from integrations.sync.issues.report import Cause, issues_report
from tests.factories import ClientFactory, IntegrationFactory
from tests.sync.helpers import prospect_row


def test_the_home_lists_what_needs_a_person_each_a_link(admin_client, db):
    club = ClientFactory(name="FitLife Gyms")
    crm = IntegrationFactory(client=club)
    failed = prospect_row(destination=crm)
    held = prospect_row(destination=crm)
    OutboxRow.objects.filter(pk=failed.pk).update(status="failed")
    OutboxRow.objects.filter(pk=held.pk).update(status="held")
    issues_report(integration_id=crm.pk, client_id=club.pk,
                  seen={Cause("credentials_refused"): 1, Cause("record_refused"): 1})

    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "What needs a person" in page
    assert "?status__exact=failed" in page and "?status__exact=held" in page
    assert "Open issues" in page and "Credentials refused" in page
    assert f"status__exact=ongoing&amp;client={club.pk}" in page
    assert "FitLife Gyms" in page
    failed_list = admin_client.get(reverse("admin:integrations_outboxrow_changelist"),
                                   {"status__exact": "failed", "client": club.pk})
    assert [row.pk for row in failed_list.context["cl"].result_list] == [failed.pk]


def test_deliveries_list_newest_first_with_the_persons_name_and_the_platforms_ids(
    admin_client, db
):
    crm = IntegrationFactory()
    first = prospect_row(destination=crm, first_name="Maria", last_name="Gomez")
    second = prospect_row(destination=crm, first_name="Kenji", last_name="Watanabe")
    kenji = Prospect.objects.get(pk=second.record_id)
    ExternalLink.objects.create(integration=crm, kind="prospect", external_id="IT-778",
                                prospect=kenji)
    sender = IntegrationFactory(client=crm.client)
    ExternalLink.objects.create(integration=sender, kind="prospect", external_id="ACP-9",
                                prospect=kenji)
    second.change.source_integration = sender
    second.change.save()

    page = admin_client.get(reverse("admin:integrations_outboxrow_changelist"))

    rows = list(page.context["cl"].result_list)
    assert [row.pk for row in rows] == [second.pk, first.pk]
    html = page.content.decode()
    assert "Kenji Watanabe" in html and "Maria Gomez" in html
    assert "IT-778" in html and "from: ACP-9" in html
    assert "prospect 01" not in html


def test_an_issue_page_says_what_fixes_it_and_links_its_deliveries(admin_client, db):
    crm = IntegrationFactory()
    ids = issues_report(integration_id=crm.pk, client_id=crm.client_id,
                        seen={Cause("record_refused"): 2}, details={
                            Cause("record_refused"): "refused (422)"})
    issue = Issue.objects.get(pk=ids[Cause("record_refused")])
    page = admin_client.get(reverse("admin:integrations_issue_change", args=[issue.pk]))
    html = page.content.decode()
    assert "refused 2 records: refused (422)" in html
    assert f"?issue={issue.pk}" in html


def test_the_journey_keeps_every_attempt_and_its_heading_counts_the_tables(
    admin_client, db
):
    crm = IntegrationFactory()
    row = prospect_row(destination=crm)
    for result, answer in (("retry", "The platform had a problem (500)"), ("delivered", "")):
        DeliveryAttempt.objects.create(delivery=row, at=row.created_at, result=result,
                                       answer=answer)
    page = admin_client.get(reverse("admin:integrations_prospect_change",
                                    args=[row.record_id])).content.decode()
    assert "Journey: 1 change received, 1 delivery, 2 attempts" in page
    assert "The platform had a problem (500)" in page
    assert page.count('class="attempt"') == 2
