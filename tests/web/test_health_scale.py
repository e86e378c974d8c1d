"""The health pages stay a fixed number of queries with 100,000 deliveries and 1,000 issues
(built set-based: a few INSERT ... SELECT statements, not 100,000 model saves)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from integrations.models import Change, Issue, IssueKind, OutboxRow, Prospect
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DELIVERIES = 100_000
ISSUES = 1_000
# The share of each status among the deliveries: most are delivered, as in a real club.
SHARES = (("delivered", 90_000), ("pending", 5_000), ("failed", 3_000), ("held", 2_000))


def _fill(integration, status: str, count: int, first: int, issue_id: int | None) -> None:
    """`count` outbox rows of one status in one statement (a recursive series), delivered
    ones spread over the chart's 30 days."""
    prospect = Prospect.objects.create(client_id=integration.client_id, first_name="Ana",
                                       last_name=f"Lopez-{status.title()}")
    change = Change.objects.create(client_id=integration.client_id, kind="prospect",
                                   record_id=prospect.pk, event_type="prospect.created")
    now = timezone.now()
    record = prospect.pk if connection.vendor == "postgresql" else prospect.pk.hex
    day = "(%s - n.i %% 30 * interval '1 day')" if connection.vendor == "postgresql" \
        else "datetime(%s, '-' || (n.i % 30) || ' days')"
    stamp = now if connection.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S")
    table = OutboxRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(  # noqa: S608 - our table, our constants
            f"WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n"
            f" WHERE i < {first + count - 1})"
            f" INSERT INTO {table} (integration_id, change_id, kind, record_id, event_type,"
            " status, attempts, claimed_by, hold_reason, last_error, sent_without_owner,"
            " sent_without_lead_source, delivered_at, created_at, updated_at, issue_id)"
            f" SELECT %s, %s, 'prospect', %s, 'prospect.created', %s, 1, '', '', '', false,"
            f" false, {day if status == 'delivered' else 'NULL'}, %s, %s, %s FROM n",
            [integration.pk, change.pk, record, status,
             *([stamp] if status == "delivered" else []), stamp, stamp, issue_id],
        )


@pytest.fixture
def busy_club(acme_api, intouch_integration):
    """Acme with 100,000 deliveries in every state, and 1,000 issues at the club."""
    now = timezone.now()
    kinds = [IssueKind.OWNER_MISSING, IssueKind.OWNER_HELD, IssueKind.LEAD_SOURCE_MISSING,
             IssueKind.RECORD_REFUSED]
    Issue.objects.bulk_create([
        Issue(client_id=acme_api.client_id, integration=acme_api, kind=kinds[i % 4],
              subject=str(i), seen=i, affected=i % 7, detail="refused (422)",
              first_seen_at=now - dt.timedelta(hours=i), last_seen_at=now)
        for i in range(ISSUES)
    ])
    refused = Issue.objects.filter(kind=IssueKind.RECORD_REFUSED).first()
    first = 1
    for status, count in SHARES:
        _fill(acme_api, status, count, first, refused.pk if status == "failed" else None)
        first += count
    assert OutboxRow.objects.count() == DELIVERIES
    return acme_api


def _timed(get, path, query=None, *, budget, assert_max):
    started = time.monotonic()
    with assert_max(budget):
        assert get(path, query or {}).status_code == 200
    return f"{path} {query or ''}: {(time.monotonic() - started) * 1000:.0f} ms"


def test_client_and_support_pages_stay_a_few_queries(web, client, busy_club,
                                                     django_assert_max_num_queries):
    """One club's pages, then the support admin's (one fill of the tables for both)."""
    refused = Issue.objects.filter(kind=IssueKind.RECORD_REFUSED).first()
    pages = [
        ("/integrations/", None, 16),
        (reverse("integration-detail", args=[busy_club.pk]), None, 22),
        ("/issues/", None, 10),
        ("/log/", None, 12),
        ("/log/", {"q": "refused", "level": "error"}, 12),
        (reverse("issue-detail", args=[busy_club.pk, refused.pk]), None, 14),
    ]
    for path, query, budget in pages:
        print(_timed(web.get, path, query, budget=budget,  # noqa: T201 - the figures
                     assert_max=django_assert_max_num_queries))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    support = [
        (reverse("admin:index"), None, 22),
        (reverse("admin:integrations_outboxrow_changelist"), None, 14),
        (reverse("admin:integrations_outboxrow_changelist"), {"status__exact": "failed"}, 14),
        (reverse("admin:integrations_issue_changelist"), {"status__exact": "ongoing"}, 12),
    ]
    for path, query, budget in support:
        print(_timed(client.get, path, query, budget=budget,  # noqa: T201 - the figures
                     assert_max=django_assert_max_num_queries))
