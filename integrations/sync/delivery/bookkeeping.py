"""After a batch's calls: the rows' new states, every attempt, the issues and the log lines.

A constant number of statements per batch and cause, never per record: the delivered rows in
one statement per pair of flags, the attempts in one insert, one upsert per issue, one log
line per cause (not one per lead: a batch of 50 owner-less leads is one line naming the
owner, its records listed by id and rendered by name on the club's pages). Rows that are not
delivered are still written one by one, as before (each keeps its own retry time).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from integrations.logging_redact import redact
from integrations.models import DeliveryAttempt, Integration, IssueKind, OutboxRow
from integrations.models.logs import LogEntry, log_entry, log_write_many
from integrations.sync.delivery import completion
from integrations.sync.delivery.completion import Problem
from integrations.sync.delivery.outcomes import (
    DELIVERED,
    FAILED,
    HELD,
    WAITING,
    Outcome,
    delivered_store,
    outcome_settle,
    outcome_store,
)
from integrations.sync.delivery.send_api import links_store
from integrations.sync.issues.report import ROW_KINDS, Cause, issues_recount, issues_report
from integrations.sync.issues.words import staff_words
from mappings.models import MappingStatus, RemoteLeadSource, RemoteStaff


@dataclass
class Batch:
    """A claimed batch and what came of each row (`outcomes` by row id)."""

    integration: Integration
    rows: list[OutboxRow]
    outcomes: dict[int, Outcome]
    worker: str
    webhook: bool = False
    settled: dict[int, tuple[str, float | None]] = field(default_factory=dict)
    causes: dict[int, Cause] = field(default_factory=dict)


def batch_settle(batch: Batch) -> Counter[str]:
    """Store what came of a batch; returns counts by result."""
    delivered = [row for row in batch.rows if _result(batch, row) == DELIVERED]
    others = [row for row in batch.rows if _result(batch, row) not in (None, DELIVERED)]
    for row in others:
        batch.settled[row.id] = outcome_settle(row=row, outcome=batch.outcomes[row.id],
                                               webhook=batch.webhook)
        cause = _cause(batch, row)
        if cause is not None:
            batch.causes[row.id] = cause
    names = _Names.load(batch, delivered)
    incomplete = _incomplete(batch, delivered)
    issues = _issues_report(batch, incomplete, names)
    _delivered_store(batch, delivered)
    counts: Counter[str] = Counter({DELIVERED: len(delivered)} if delivered else {})
    for row in others:
        issue = issues.get(batch.causes[row.id]) if row.id in batch.causes else None
        counts[outcome_store(row=row, outcome=batch.outcomes[row.id],
                             settled=batch.settled[row.id], worker=batch.worker,
                             issue_id=issue)] += 1
    _attempts_store(batch)
    _lines_write(batch, delivered, names)
    # The issues of this pass, and those its rows pointed at before (a retry delivered).
    issue_ids = [pk for cause, pk in issues.items() if cause.kind in ROW_KINDS]
    issues_recount(issue_ids=issue_ids + [row.issue_id for row in batch.rows if row.issue_id])
    return counts


def _result(batch: Batch, row: OutboxRow) -> str | None:
    outcome = batch.outcomes.get(row.id)
    return outcome.result if outcome is not None else None


def _cause(batch: Batch, row: OutboxRow) -> Cause | None:
    """The issue a row that was not delivered belongs to (none for a random failure)."""
    outcome = batch.outcomes[row.id]
    result, _ = batch.settled[row.id]
    if result == WAITING:
        return Cause(IssueKind.CREDENTIALS_REFUSED if outcome.credentials_refused
                     else IssueKind.PLATFORM_DOWN)
    if result == HELD:
        return Cause(IssueKind.OWNER_HELD, str(outcome.held_for)) if outcome.held_for else None
    if result == FAILED:
        # Refused by the platform at once (its answer is about the record), or given up
        # after every retry of a temporary failure.
        refused = outcome.result == FAILED and not batch.webhook
        return Cause(IssueKind.RECORD_REFUSED if refused else IssueKind.DELIVERY_FAILED)
    return None


def _incomplete(batch: Batch, delivered: list[OutboxRow]) -> dict[Problem, list[OutboxRow]]:
    """Delivered rows by what they went without (the note of a failed creation aside)."""
    groups: dict[Problem, list[OutboxRow]] = defaultdict(list)
    for row in delivered:
        for problem in batch.outcomes[row.id].problems:
            groups[Problem(problem.kind, problem.subject)].append(row)
    return dict(groups)


def _issue_of(problem: Problem, names: _Names) -> Cause | None:
    if problem.kind == completion.OWNER_MISSING:
        # An owner a person marked "no counterpart" is decided: nobody is to act on it.
        if problem.subject in names.no_counterpart:
            return None
        return Cause(IssueKind.OWNER_MISSING, str(problem.subject))
    if problem.kind in (completion.LEAD_SOURCE_MISSING, completion.LEAD_SOURCE_NOT_CREATED):
        return Cause(IssueKind.LEAD_SOURCE_MISSING, str(problem.subject))
    return None


def _issues_report(batch: Batch, incomplete: dict[Problem, list[OutboxRow]],
                   names: _Names) -> dict[Cause, int]:
    seen: Counter[Cause] = Counter(batch.causes.values())
    details: dict[Cause, str] = {}
    for row_id, cause in batch.causes.items():
        error = batch.outcomes[row_id].error
        if error and cause not in details:
            details[cause] = redact(error)
    for problem, rows in incomplete.items():
        went_without = _issue_of(problem, names)
        if went_without is not None:
            seen[went_without] += len(rows)
    if not seen:
        return {}
    integration = batch.integration
    return issues_report(integration_id=integration.pk, client_id=integration.client_id,
                         seen=seen, details=details)


def _delivered_store(batch: Batch, rows: list[OutboxRow]) -> None:
    outcomes = batch.outcomes
    created = [(row, outcomes[row.id].created_external_id) for row in rows
               if outcomes[row.id].created_external_id]
    with transaction.atomic():
        if created:
            links_store(integration=batch.integration, created=created)
        if rows:
            delivered_store(rows=rows, outcomes=outcomes, worker=batch.worker)


def _attempts_store(batch: Batch) -> None:
    """Every row tried in this pass: one attempt each, in one insert."""
    now = timezone.now()
    attempts = []
    for row in batch.rows:
        outcome = batch.outcomes.get(row.id)
        if outcome is None or not outcome.tried:
            continue
        result = batch.settled.get(row.id, (outcome.result, None))[0]
        answer = outcome.error or (f"created {outcome.created_external_id}"
                                   if outcome.created_external_id else "")
        attempts.append(DeliveryAttempt(delivery_id=row.id, at=now, result=result,
                                        answer=answer[:500]))
    if attempts:
        DeliveryAttempt.objects.bulk_create(attempts)


@dataclass
class _Names:
    """The owners and lead sources a batch's lines name, read once per batch."""

    staff: dict[int, str] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)
    no_counterpart: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, batch: Batch, delivered: list[OutboxRow]) -> _Names:
        staff_ids = {p.subject for row in delivered for p in batch.outcomes[row.id].problems
                     if p.kind in (completion.OWNER_MISSING, completion.DEFAULT_STAFF)}
        staff_ids |= {o.held_for for o in batch.outcomes.values() if o.held_for}
        source_ids = {p.subject for row in delivered for p in batch.outcomes[row.id].problems
                      if p.kind not in (completion.OWNER_MISSING, completion.DEFAULT_STAFF)}
        names = cls()
        if staff_ids:
            for remote in RemoteStaff.objects.filter(pk__in=staff_ids).select_related(
                    "integration__platform", "mapping"):
                names.staff[remote.pk] = staff_words(remote)
                mapping = getattr(remote, "mapping", None)
                if mapping is not None and mapping.status == MappingStatus.NO_COUNTERPART:
                    names.no_counterpart.add(remote.pk)
        if source_ids:
            names.sources = dict(RemoteLeadSource.objects.filter(pk__in=source_ids)
                                 .values_list("pk", "name"))
        return names


def _lines_write(batch: Batch, delivered: list[OutboxRow], names: _Names) -> None:
    """One line per cause, all in one statement."""
    platform = batch.integration.platform.name
    lines = [_line(batch, rows, LogEntry.Level.WARNING,
                   _problem_words(batch, problem, rows, names))
             for problem, rows in sorted(_incomplete(batch, delivered).items())]
    held: dict[int, list[OutboxRow]] = defaultdict(list)
    failed: dict[str, list[OutboxRow]] = defaultdict(list)
    for row in batch.rows:
        if row.id not in batch.settled:
            continue
        result = batch.settled[row.id][0]
        outcome = batch.outcomes[row.id]
        if result == HELD and outcome.held_for:
            held[outcome.held_for].append(row)
        elif result == FAILED:
            failed[batch.causes[row.id].kind].append(row)
    for owner, rows in held.items():
        who = names.staff.get(owner, "its owner")
        lines.append(_line(batch, rows, LogEntry.Level.WARNING,
                           f"{_what(rows)} held until {who} has a staff mapping in {platform}: "
                           f"{'it is' if len(rows) == 1 else 'they are'} sent the moment it "
                           "is made."))
    for kind, rows in failed.items():
        first = redact(batch.outcomes[rows[0].id].error or "no answer")
        verb = "was" if len(rows) == 1 else "were"
        how = "refused by" if kind == IssueKind.RECORD_REFUSED else "not delivered to"
        lines.append(_line(batch, rows, LogEntry.Level.ERROR,
                           f"{_what(rows)} {verb} {how} {platform}: {first}", failed=True))
    log_write_many(lines)


def _problem_words(batch: Batch, problem: Problem, rows: list[OutboxRow],
                   names: _Names) -> str:
    platform = batch.integration.platform.name
    what = _what(rows)
    who = names.staff.get(problem.subject, "the owner")
    source = names.sources.get(problem.subject, "")
    if problem.kind == completion.DEFAULT_STAFF:
        default = batch.integration.default_staff
        return (f"{what} went to {platform} with the default staff {default}: {who} has no "
                "staff mapping there.")
    if problem.kind == completion.OWNER_MISSING:
        if problem.subject in names.no_counterpart:
            return (f"{what} went to {platform} without an owner: {who} is marked as having "
                    "no counterpart, so leads of theirs go without one.")
        return (f"{what} went to {platform} without an owner: {who} has no staff mapping "
                "there. The owner follows when the mapping is made.")
    if problem.kind == completion.LEAD_SOURCE_NOT_CREATED:
        return (f"{what} went to {platform} without its lead source “{source}”: creating it "
                "there failed. It follows when the lead source is mapped.")
    return (f"{what} went to {platform} without its lead source “{source}”: it has no "
            "lead-source mapping there. It follows when the lead source is mapped.")


def _what(rows: list[OutboxRow]) -> str:
    kind = rows[0].kind
    return f"A {kind}" if len(rows) == 1 else f"{len(rows)} {kind}s"


def _line(batch: Batch, rows: list[OutboxRow], level: str, summary: str,
          failed: bool = False) -> LogEntry:
    integration = batch.integration
    listed = ", ".join(f"#{row.id}" for row in rows[:50])
    more = f" and {len(rows) - 50} more" if len(rows) > 50 else ""
    detail = f"Deliveries {listed}{more}."
    if failed:
        detail += (" Send them again from the integration's page (or support staff from the "
                   "admin) once the cause is fixed.")
    return log_entry(client_id=integration.client_id, integration_id=integration.pk,
                     level=level, summary=summary[:300], detail=detail,
                     record_kind=rows[0].kind, record_ids=[row.record_id for row in rows])
