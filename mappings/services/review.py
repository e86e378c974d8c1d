"""What support staff decide in the review queue: every decision is audited and kept.

Staff and lead-source mappings share one implementation: `target` is the directory person
or the client's lead source. A decision is `confirmed`, so re-matching never changes it;
`*_reset` hands a mapping back to automatic matching.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import AuditEntry, LogEntry
from integrations.models.logs import audit_record, log_write
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    MappingMethod,
    MappingStatus,
    StaffMapping,
    StaffPerson,
)
from mappings.services.hooks import mapping_changed
from mappings.services.rematch import rematch_queue

Mapping = StaffMapping | LeadSourceMapping
Target = StaffPerson | LeadSource


def _target_field(mapping: Mapping) -> str:
    return "person" if isinstance(mapping, StaffMapping) else "lead_source"


def _snapshot(mapping: Mapping) -> dict[str, Any]:
    """What a decision changes, as the audit trail keeps it (and `mapping_undo` restores)."""
    target = getattr(mapping, _target_field(mapping))
    return {
        "status": mapping.status,
        "target_id": target.pk if target else None,
        "target": str(target) if target else "",
        "method": mapping.method,
        "confirmed": mapping.confirmed,
        "suggestion_id": mapping.suggestion_id,
        "score": mapping.score,
        "reason": mapping.reason,
    }


def mapping_target_check(*, mapping: Mapping, target: Target) -> None:
    """Raise ValidationError unless the target may be linked (same client, not yet linked)."""
    if target.client_id != mapping.integration.client_id:
        raise ValidationError("That choice belongs to another client.")
    field = _target_field(mapping)
    other = (
        type(mapping)
        .objects.filter(integration_id=mapping.integration_id, **{field: target})
        .exclude(pk=mapping.pk)
        .select_related("remote")
        .first()
    )
    if other is not None:
        raise ValidationError(f"{target} is already linked to {other.remote}; unlink it first.")


def _decide(
    mapping: Mapping,
    *,
    acting_user: Any,
    action: str,
    status: str,
    target: Target | None = None,
    reason: str = "",
    confirmed: bool = True,
) -> Mapping:
    mapping = _locked(mapping)
    old = _snapshot(mapping)
    if target is not None:
        mapping_target_check(mapping=mapping, target=target)
    setattr(mapping, _target_field(mapping), target)
    mapping.status = status
    mapping.suggestion = None if target is not None else mapping.suggestion
    mapping.method = MappingMethod.MANUAL if confirmed else ""
    mapping.score = 1.0 if target is not None else None
    mapping.reason = reason[:300]
    mapping.confirmed = confirmed
    _store(mapping, acting_user=acting_user, action=action, old=old, linked=target is not None)
    return mapping


def _locked(mapping: Mapping) -> Mapping:
    return (
        type(mapping)
        .objects.select_for_update()
        .select_related("integration", "remote")
        .get(pk=mapping.pk)
    )


def _store(mapping: Mapping, *, acting_user: Any, action: str, old: dict, linked: bool) -> None:
    """Save a person's decision, audit it, log it, and release what waited for a link."""
    mapping.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    mapping.decided_at = timezone.now()
    staff_link = linked and isinstance(mapping, StaffMapping)
    if staff_link:
        mapping.pending_release = True  # type: ignore[union-attr]
    mapping.save()
    new = _snapshot(mapping)
    client_id = mapping.integration.client_id
    audit_record(
        actor=acting_user, action=action, target=mapping, client=client_id, old=old, new=new
    )
    _log(mapping, acting_user=acting_user, old=old, new=new)
    if staff_link:
        mapping_changed(integration_id=mapping.integration_id, remote_staff_ids=[mapping.remote_id])


def _log(mapping: Mapping, *, acting_user: Any, old: dict, new: dict) -> None:
    kind = "Staff" if isinstance(mapping, StaffMapping) else "Lead source"
    who = getattr(acting_user, "email", "") or str(acting_user or "support")
    was = old["target"] or old["status"].replace("_", " ")
    now = new["target"] or new["status"].replace("_", " ")
    log_write(
        client_id=mapping.integration.client_id,
        integration_id=mapping.integration_id,
        level=LogEntry.Level.INFO,
        summary=f"{kind} mapping of {mapping.remote}: {was} → {now}",
        detail=f"Decided by {who}.",
    )


@transaction.atomic
def mapping_accept(*, mapping: Mapping, acting_user: Any) -> Mapping:
    """Link the remote record to its suggestion. Raises ValidationError without one."""
    if mapping.suggestion_id is None:
        raise ValidationError(f"{mapping.remote} has no suggestion to accept.")
    return _decide(
        mapping,
        acting_user=acting_user,
        action="mapping.accept",
        status=MappingStatus.MATCHED,
        target=mapping.suggestion,
        reason=f"suggestion accepted ({mapping.reason})"
        if mapping.reason
        else "suggestion accepted",
    )


@transaction.atomic
def mapping_choose(*, mapping: Mapping, target: Target, acting_user: Any) -> Mapping:
    """Link the remote record to a chosen person or lead source. Raises ValidationError."""
    return _decide(
        mapping,
        acting_user=acting_user,
        action="mapping.choose",
        status=MappingStatus.MATCHED,
        target=target,
        reason="chosen by a person",
    )


@transaction.atomic
def mapping_no_counterpart(*, mapping: Mapping, acting_user: Any) -> Mapping:
    """Record that the remote record has no counterpart (it stays unlinked)."""
    return _decide(
        mapping,
        acting_user=acting_user,
        action="mapping.no_counterpart",
        status=MappingStatus.NO_COUNTERPART,
        reason="no counterpart, decided by a person",
    )


@transaction.atomic
def mapping_unlink(*, mapping: Mapping, acting_user: Any) -> Mapping:
    """Undo a link; the record stays unmatched (and in the queue) until a person links it."""
    return _decide(
        mapping,
        acting_user=acting_user,
        action="mapping.unlink",
        status=MappingStatus.UNMATCHED,
        reason="link undone by a person",
    )


@transaction.atomic
def mapping_reset(*, mapping: Mapping, acting_user: Any) -> Mapping:
    """Hand the mapping back to automatic matching, and queue a re-match."""
    mapping = _decide(
        mapping,
        acting_user=acting_user,
        action="mapping.reset",
        status=MappingStatus.UNMATCHED,
        confirmed=False,
    )
    rematch_queue(integration_id=mapping.integration_id)
    return mapping


DECISIONS = ("mapping.accept", "mapping.choose", "mapping.no_counterpart", "mapping.unlink")


def _last_decision(mapping: Mapping) -> AuditEntry | None:
    return (
        AuditEntry.objects.filter(
            target_type=mapping._meta.label_lower, target_id=str(mapping.pk), action__in=DECISIONS
        )
        .order_by("-created_at", "-id")
        .first()
    )


def mapping_undo_state(*, mapping: Mapping) -> dict[str, Any] | None:
    """The state the last decision replaced, when it can still be restored, else None."""
    entry = _last_decision(mapping)
    if entry is None or "suggestion_id" not in entry.old or _snapshot(mapping) != entry.new:
        return None  # decided before undo existed, or changed again since
    return entry.old


@transaction.atomic
def mapping_undo(*, mapping: Mapping, acting_user: Any) -> Mapping:
    """Put the mapping back as it was before its last decision. Raises ValidationError."""
    mapping = _locked(mapping)
    state = mapping_undo_state(mapping=mapping)
    if state is None:
        raise ValidationError(f"{mapping.remote}: the last decision can no longer be undone.")
    old = _snapshot(mapping)
    model = StaffPerson if isinstance(mapping, StaffMapping) else LeadSource
    target = model.objects.filter(pk=state["target_id"]).first() if state["target_id"] else None
    if state["target_id"] and target is None:
        raise ValidationError(f"{mapping.remote}: the person linked before is gone.")
    if target is not None:
        mapping_target_check(mapping=mapping, target=target)
    setattr(mapping, _target_field(mapping), target)
    for name in ("status", "method", "confirmed", "suggestion_id", "score", "reason"):
        setattr(mapping, name, state[name])
    _store(mapping, acting_user=acting_user, action="mapping.undo", old=old, linked=bool(target))
    return mapping
