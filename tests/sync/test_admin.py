"""The support admin's sync pages: deliveries, actions, Sync now, a record's journey."""

from __future__ import annotations

from django.urls import reverse
from django_q.models import OrmQ

from integrations.models import OutboxRow, Prospect, SyncRun
from integrations.sync.journey import record_trace
from tests.sync.helpers import prospect_row

CHANGELIST = "admin:integrations_outboxrow_changelist"


def test_deliveries_list_filters_by_status_and_client(admin_client, destination):
    failed = prospect_row(destination=destination)
    OutboxRow.objects.filter(pk=failed.pk).update(status="failed", last_error="422 bad email")
    prospect_row(destination=destination)

    page = admin_client.get(reverse(CHANGELIST), {"status": "failed",
                                                   "client": destination.client_id})

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [failed]
    assert "422 bad email" in page.content.decode()


def test_retry_and_discard_actions_work_on_many(admin_client, destination):
    rows = [prospect_row(destination=destination) for _ in range(3)]
    OutboxRow.objects.update(status="failed")
    ids = [str(row.pk) for row in rows]

    admin_client.post(reverse(CHANGELIST), {"action": "discard", "_selected_action": ids[:1]})
    admin_client.post(reverse(CHANGELIST), {"action": "retry", "_selected_action": ids[1:]})

    statuses = dict(OutboxRow.objects.values_list("pk", "status"))
    assert statuses == {rows[0].pk: "discarded", rows[1].pk: "pending", rows[2].pk: "pending"}


def test_sync_now_button_queues_a_fetch(admin_client, destination):
    url = reverse("admin:integrations_sync_now", args=[destination.pk])

    assert admin_client.get(url).status_code == 405
    answer = admin_client.post(url)

    assert answer.status_code == 302
    assert OrmQ.objects.get().task["args"] == (destination.pk,)


def test_sync_now_on_a_push_integration_says_why_not(admin_client, source):
    answer = admin_client.post(reverse("admin:integrations_sync_now", args=[source.pk]),
                               follow=True)

    assert "push mode" in answer.content.decode()
    assert not OrmQ.objects.exists()


def test_record_journey_lists_received_and_delivered_hops(admin_client, destination, source):
    row = prospect_row(destination=destination)
    row.change.source_integration = source
    row.change.save()
    OutboxRow.objects.filter(pk=row.pk).update(status="failed", attempts=3, last_error="boom")

    hops = record_trace(kind="prospect", record_id=row.record_id)

    assert [(h["what"], h["where"], h["result"]) for h in hops] == [
        ("received prospect.created", f"from {source.platform.name}", "accepted"),
        ("sent prospect.created", "to InTouch", "failed"),
    ]
    assert hops[1]["attempts"] == 3 and hops[1]["detail"] == "boom"
    prospect = Prospect.objects.get(pk=row.record_id)
    page = admin_client.get(reverse("admin:integrations_prospect_change", args=[prospect.pk]))
    assert "to InTouch" in page.content.decode()


def test_sync_runs_list_shows_counts(admin_client, destination):
    SyncRun.objects.create(integration=destination, kind="fetch", status="succeeded",
                           counts={"prospects_created": 4})

    page = admin_client.get(reverse("admin:integrations_syncrun_changelist"))

    assert "prospects created: 4" in page.content.decode()
