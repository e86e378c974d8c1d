"""A platform that refuses the credentials: its rows wait, and go the moment it takes them.

A 401 or 403 says nothing about the record, so no row fails for it: the rows of the pass
wait (uncounted), the platform is probed at the outage's pace (health.py), and an issue says
"InTouch refuses the credentials since 21:38, 3 leads waiting". When a call is accepted
again (new credentials saved, the platform re-enabled the token, a fetch that works), the
issue is resolved and the rows that waited for it are due at once.
"""

from __future__ import annotations

from django.utils import timezone

from integrations.models import Integration, IssueKind, IssueStatus, OutboxRow
from integrations.models.issues import Issue
from integrations.models.logs import LogEntry, log_write
from integrations.models.sync import OutboxStatus
from integrations.sync.delivery.health import (
    REFUSED,
    credentials_record,
    health_get,
    health_store,
)
from integrations.sync.delivery.outcomes import DELIVERED, FAILED, RATE_LIMITED, WAITING, Outcome
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.issues.report import Cause, issues_resolve

CREDENTIALS = Cause(IssueKind.CREDENTIALS_REFUSED)


def credentials_settle(*, integration: Integration, outcomes: dict[int, Outcome],
                       gated: bool = True) -> None:
    """After a pass's calls: refused rows wait for the credentials (and the refusal starts),
    or an accepted call ends a refusal (`gated`: the pass was a probe, so a refusal may be
    going on; an ordinary pass with nothing refused has nothing to record)."""
    refused = [row_id for row_id, o in outcomes.items() if o.credentials_refused]
    if not refused and not gated:
        return
    accepted = any(
        o.tried and not o.credentials_refused and o.result in (DELIVERED, FAILED, RATE_LIMITED)
        for o in outcomes.values()
    )
    if refused and accepted:
        # The platform took the token for other calls: these refusals are about the records.
        for row_id in refused:
            outcomes[row_id].credentials_refused = False
        refused = []
    if not refused and not accepted:
        return
    state, health = credentials_record(integration_id=integration.pk, refused=bool(refused))
    for row_id in refused:
        outcome = outcomes[row_id]
        outcomes[row_id] = Outcome(WAITING, error=outcome.error, credentials_refused=True,
                                   wait_until=health.probe_at, tried=outcome.tried)
    if state == REFUSED:
        _refused_log(integration, error=outcomes[refused[0]].error)
    elif accepted:  # ACCEPTED, or the cache forgot the refusal its issue still says
        credentials_accepted(integration=integration)


def credentials_accepted(*, integration: Integration) -> int:
    """The platform takes the credentials again: the issue is resolved and its rows (waiting,
    or failed before) are due now; returns how many rows."""
    issue = Issue.objects.filter(integration=integration, kind=CREDENTIALS.kind,
                                 subject="", status=IssueStatus.ONGOING).first()
    if issue is None:
        return 0
    rows = OutboxRow.objects.filter(issue=issue, status__in=[OutboxStatus.PENDING,
                                                              OutboxStatus.FAILED])
    waited = rows.update(status=OutboxStatus.PENDING, next_attempt_at=None, issue=None)
    issues_resolve(integration_id=integration.pk, causes=[CREDENTIALS])
    platform = integration.platform.name
    log_write(
        client_id=integration.client_id, integration_id=integration.pk,
        level=LogEntry.Level.INFO,
        summary=f"{platform} accepts the credentials again"
        + (f": the {waited} deliver{'y' if waited == 1 else 'ies'} that waited "
           f"{'is' if waited == 1 else 'are'} being sent." if waited else "."),
    )
    if waited:
        deliveries_kick(integration_ids=[integration.pk])
    return waited


def credentials_work(*, integration: Integration) -> int:
    """A call was accepted outside a delivery pass (a fetch, a test of the saved
    credentials): a refusal is over; returns how many waiting rows are now due."""
    credentials_record(integration_id=integration.pk, refused=False)
    return credentials_accepted(integration=integration)


def credentials_changed(*, integration: Integration) -> None:
    """New credentials or a new address were saved: if the platform refused the old ones,
    probe it now, and the rows that waited are due (a refusal ends with the first accepted
    call, credentials_settle)."""
    health = health_get(integration_id=integration.pk)
    if health.gated:
        health.probe_at = 0.0
        health_store(integration_id=integration.pk, health=health)
    issues = list(Issue.objects.filter(
        integration=integration, status=IssueStatus.ONGOING,
        kind__in=[IssueKind.CREDENTIALS_REFUSED, IssueKind.PLATFORM_DOWN],
    ).values_list("pk", flat=True))
    due = OutboxRow.objects.filter(issue_id__in=issues, status=OutboxStatus.PENDING).update(
        next_attempt_at=timezone.now()) if issues else 0
    if due:
        deliveries_kick(integration_ids=[integration.pk])


def _refused_log(integration: Integration, *, error: str) -> None:
    platform = integration.platform.name
    log_write(
        client_id=integration.client_id, integration_id=integration.pk,
        level=LogEntry.Level.ERROR,
        summary=f"{platform} refuses the credentials: deliveries wait until it takes them.",
        detail=f"Its answer: {error or 'none'}. Check the API token on the integration's page "
        "(Test connection tries a new one before it is saved). Nothing is lost: what waits "
        "is sent as soon as the platform accepts the credentials.",
    )
