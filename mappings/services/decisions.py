"""Copying a matching decision onto a stored mapping row (staff and lead sources alike)."""

from __future__ import annotations

from typing import Any

from mappings.matching.shared import Decision
from mappings.models import MappingStatus


def decision_apply(mapping: Any, decision: Decision, *, target: str) -> bool:
    """Copy a decision onto a mapping row (`target`: its link field); True when it changed."""
    matched = decision.status == MappingStatus.MATCHED
    values = {
        f"{target}_id": decision.person_id if matched else None,
        "suggestion_id": None if matched else decision.person_id,
        "status": decision.status,
        "method": decision.method,
        "score": decision.score,
        "reason": decision.reason[:300],
    }
    if all(getattr(mapping, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(mapping, key, value)
    return True
