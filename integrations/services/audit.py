from __future__ import annotations

from typing import Any

from django.db import models

from integrations.models import AuditEntry, Client, LogEntry


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    client: Client | str | None = None,
    old: dict | None = None,
    new: dict | None = None,
) -> AuditEntry:
    """Write one row of the audit trail: who decided what about which object."""
    client_id = client.pk if isinstance(client, Client) else client
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        client_id=client_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        old=old or {},
        new=new or {},
    )


def log_write(
    *,
    client_id: str,
    level: str,
    summary: str,
    detail: str = "",
    integration_id: int | None = None,
    record_kind: str = "",
    record_id: Any = None,
) -> LogEntry:
    """Add a line to the client's connector log, in plain words."""
    return LogEntry.objects.create(
        client_id=client_id,
        integration_id=integration_id,
        level=level,
        summary=summary[:300],
        detail=detail,
        record_kind=record_kind,
        record_id=record_id,
    )
