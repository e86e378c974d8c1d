from __future__ import annotations

from django.conf import settings
from django.db import models


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
