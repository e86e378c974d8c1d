"""Sync health pages with a busy club (issue 16): the club's integrations, an integration,
its issues, the log searched, an issue's records; and the support home and the admin's
deliveries and issues lists. 200,000 deliveries in every state (most delivered) over 10
integrations, 1,000 issues, 100,000 log lines (pages_health.py's seed, plus waiting, held
and failed rows and the issues).

Usage: .venv/bin/python benchmarks/pages_sync_health.py [--rows 200000] [--issues 1000]
PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/connector_bench_sync_health),
a new database each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/connector_bench_sync_health")

from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from fresh_db import database_fresh
from pages_health import CLIENT_ID, measure, seed

from integrations.models import Integration, Issue, IssueKind, OutboxRow, User

KINDS = [IssueKind.OWNER_MISSING, IssueKind.OWNER_HELD, IssueKind.LEAD_SOURCE_MISSING,
         IssueKind.RECORD_REFUSED, IssueKind.CREDENTIALS_REFUSED]


def waiting_and_issues(issues: int) -> None:
    """A tenth of the rows waiting, held or failed, under issues; `issues` issues in all."""
    integrations = list(Integration.objects.filter(client_id=CLIENT_ID))
    now = timezone.now()
    Issue.objects.bulk_create([
        Issue(client_id=CLIENT_ID, integration=integrations[i % len(integrations)],
              kind=KINDS[i % len(KINDS)], subject=str(i), seen=i, affected=i % 9,
              detail="The platform refused the request (422)",
              first_seen_at=now - dt.timedelta(minutes=i), last_seen_at=now)
        for i in range(issues)
    ], batch_size=1000)
    refused = Issue.objects.filter(kind=IssueKind.RECORD_REFUSED).order_by("pk")
    ids = list(OutboxRow.objects.order_by("pk").values_list("pk", flat=True))
    for n, status in enumerate(("pending", "held", "failed")):
        OutboxRow.objects.filter(pk__in=ids[n::30]).update(
            status=status, delivered_at=None,
            issue=refused[n] if status == "failed" else None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--log", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=1000)
    args = parser.parse_args()
    database_fresh(os.environ["DATABASE_URL"])
    user = seed(args.rows, args.log)
    waiting_and_issues(args.issues)
    issue = Issue.objects.filter(kind=IssueKind.RECORD_REFUSED).order_by("pk").first()
    crm = issue.integration
    http = HttpClient()
    http.force_login(user)
    print(f"{connection.vendor}, {args.rows} deliveries over 10 integrations, "
          f"{args.issues} issues, {args.log} log lines")
    pages = [
        ("integrations list", "/integrations/"),
        ("an integration", reverse("integration-detail", args=[crm.pk])),
        ("issues", "/issues/"),
        ("log, page 1", "/log/"),
        ("log, text search", "/log/?q=Line%2012"),
        ("an issue's records", reverse("issue-detail", args=[crm.pk, issue.pk])),
    ]
    for label, url in pages:
        ms, n = measure(http, url)
        print(f"{label:40s} median {ms:7.1f} ms  {n} queries")
    support = User.objects.create_superuser("support-bench@example.com", "x" * 12)
    http.force_login(support)
    for label, url in [
        ("support home", reverse("admin:index")),
        ("deliveries, newest first", reverse("admin:integrations_outboxrow_changelist")),
        ("deliveries, failed",
         reverse("admin:integrations_outboxrow_changelist") + "?status__exact=failed"),
        ("issues, ongoing",
         reverse("admin:integrations_issue_changelist") + "?status__exact=ongoing"),
    ]:
        ms, n = measure(http, url)
        print(f"{label:40s} median {ms:7.1f} ms  {n} queries")


if __name__ == "__main__":
    main()
