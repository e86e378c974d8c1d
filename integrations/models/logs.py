"""The client's connector log and the audit trail, and the one way each is written."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from integrations.models.clients import Client


class LogEntry(models.Model):
    """A line of the client's connector log, in plain words."""

    class Level(models.TextChoices):
        ERROR = "error", "error"
        WARNING = "warning", "warning"
        INFO = "info", "info"

    client = models.ForeignKey("integrations.Client", on_delete=models.CASCADE, related_name="log")
    integration = models.ForeignKey(
        "integrations.Integration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    record_kind = models.CharField(max_length=10, blank=True)
    record_id = models.UUIDField(null=True, blank=True)
    # The records a line is about (up to `LOG_RECORDS`, ids only): the club's pages render
    # their names at read time, so no person's name is ever written into the log.
    records = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "connector log entry"
        verbose_name_plural = "connector log"
        indexes = [
            models.Index(fields=["client", "-created_at"]),
            models.Index(fields=["client", "level", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.summary


class AuditEntry(models.Model):
    """A decision a person made (mapping fixes, retries, key revocations): who, when, old → new."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "integrations.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit trail"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"


LOG_RECORDS = 20

# The writers of the two trails: every service that decides or reports goes through them.


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


def log_entry(
    *,
    client_id: str,
    level: str,
    summary: str,
    detail: str = "",
    integration_id: int | None = None,
    record_kind: str = "",
    record_id: Any = None,
    record_ids: list[Any] | None = None,
) -> LogEntry:
    """A line of the client's connector log, not saved yet (`log_write_many` saves several
    in one statement). In plain words, with ids and never a person's name: `record_ids` are
    shown by name on the club's pages."""
    ids = [str(pk) for pk in (record_ids or ([record_id] if record_id else []))]
    return LogEntry(
        client_id=client_id,
        integration_id=integration_id,
        level=level,
        summary=summary[:300],
        detail=detail,
        record_kind=record_kind,
        record_id=record_id if record_id else (ids[0] if len(ids) == 1 else None),
        records=ids[:LOG_RECORDS],
    )


def log_write(**fields: Any) -> LogEntry:
    """Add a line to the client's connector log (the arguments of `log_entry`)."""
    entry = log_entry(**fields)
    entry.save()
    return entry


def log_write_many(entries: list[LogEntry]) -> None:
    """Add several lines at once: one statement."""
    if entries:
        LogEntry.objects.bulk_create(entries)
