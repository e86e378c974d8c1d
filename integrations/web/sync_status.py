"""In sync, needs attention, or failing, per direction: what a club manager reads first.

A pure function of what the pages read (the integration, the kinds of its ongoing issues,
its deliveries not yet delivered, what it sent): no database here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from integrations.models import Integration, IssueKind
from integrations.models.choices import Mode

IN_SYNC, ATTENTION, FAILING, PAUSED = "in-sync", "attention", "failing", "paused"
LABELS = {IN_SYNC: "In sync", ATTENTION: "Needs attention", FAILING: "Failing",
          PAUSED: "Paused"}
_RANK = {IN_SYNC: 0, PAUSED: 1, ATTENTION: 2, FAILING: 3}

_OUT_FAILING = {IssueKind.CREDENTIALS_REFUSED: "refuses the credentials",
                IssueKind.PLATFORM_DOWN: "is not answering"}
_OUT_ATTENTION = (IssueKind.RECORD_REFUSED, IssueKind.DELIVERY_FAILED, IssueKind.OWNER_HELD,
                  IssueKind.OWNER_MISSING, IssueKind.LEAD_SOURCE_MISSING)
_IN_ATTENTION = {IssueKind.FETCH_FAILED: "fetching is incomplete",
                 IssueKind.FETCH_INVALID: "some fetched records are not valid"}


@dataclass(frozen=True)
class Way:
    """One direction of an integration: 'InTouch → Acme', its status and why."""

    route: str
    status: str
    words: str

    @property
    def label(self) -> str:
        return LABELS[self.status]


@dataclass(frozen=True)
class SyncStatus:
    status: str
    ways: list[Way]

    @property
    def label(self) -> str:
        return LABELS[self.status]


def sync_status(*, integration: Integration, counterpart: str, kinds: set[str],
                waiting: Counter[str], received: int) -> SyncStatus:
    """The integration's directions, each in sync / needs attention / failing, and the
    worst of them (paused when it is switched off)."""
    name = integration.platform.name
    ways = []
    if integration.receives:
        ways.append(_outbound(f"{counterpart} → {name}", name, kinds, waiting))
    if integration.sends:
        ways.append(_inbound(f"{name} → {counterpart}", integration, kinds, received))
    if not integration.enabled:
        return SyncStatus(PAUSED, ways)
    worst = max((way.status for way in ways), key=_RANK.__getitem__, default=IN_SYNC)
    return SyncStatus(worst, ways)


def _outbound(route: str, name: str, kinds: set[str], waiting: Counter[str]) -> Way:
    pending, held, failed = waiting["pending"], waiting["held"], waiting["failed"]
    for kind, words in _OUT_FAILING.items():
        if kind in kinds:
            return Way(route, FAILING, f"{name} {words}: {pending:,} waiting")
    parts = [f"{n:,} {what}" for n, what in ((failed, "failed"), (held, "held")) if n]
    if parts or any(kind in kinds for kind in _OUT_ATTENTION):
        missing = "some leads went without their owner or lead source"
        return Way(route, ATTENTION, ", ".join(parts) if parts else missing)
    return Way(route, IN_SYNC, f"{pending:,} on the way" if pending else "up to date")


def _inbound(route: str, integration: Integration, kinds: set[str], received: int) -> Way:
    got = f"{received:,} record{'' if received == 1 else 's'} received in 30 days"
    if integration.mode == Mode.API:
        if IssueKind.CREDENTIALS_REFUSED in kinds:
            return Way(route, FAILING, f"{integration.platform.name} refuses the credentials")
        for kind, words in _IN_ATTENTION.items():
            if kind in kinds:
                return Way(route, ATTENTION, f"{words}; {got}")
    return Way(route, IN_SYNC, got)
