"""What the matching cores share: statuses and the decisions they return."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

MATCHED = "matched"
NEEDS_REVIEW = "needs_review"
UNMATCHED = "unmatched"
NO_COUNTERPART = "no_counterpart"


@dataclass(frozen=True, slots=True)
class Fixed:
    """A decision a person made: re-matching returns it unchanged."""

    remote_id: Hashable
    status: str
    person_id: Hashable | None = None
    method: str = "manual"
    score: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one remote record: person_id is the link, or the top suggestion."""

    remote_id: Hashable
    status: str
    person_id: Hashable | None = None
    method: str = ""
    score: float | None = None
    reason: str = ""
    confirmed: bool = False
