"""Issues: what is wrong with an integration, one row per cause, in words a person acts on.

The connector log is the full record (every batch, every decision); an issue is what people
look at first: "InTouch refuses the credentials since 21:38, 3 leads waiting". One row per
cause and integration (the dedup key: integration, kind, subject), opened or updated by the
engine where the problem happens, once per pass and cause (`integrations/sync/issues/`),
resolved when the cause is gone, and opened again on the same row when it comes back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class IssueKind(models.TextChoices):
    CREDENTIALS_REFUSED = "credentials_refused", "credentials refused"
    PLATFORM_DOWN = "platform_down", "platform not answering"
    RECORD_REFUSED = "record_refused", "records refused by the platform"
    DELIVERY_FAILED = "delivery_failed", "deliveries failed after every retry"
    OWNER_HELD = "owner_held", "leads held for an owner without a mapping"
    OWNER_MISSING = "owner_missing", "leads sent without their owner"
    LEAD_SOURCE_MISSING = "lead_source_missing", "leads sent without their lead source"
    FETCH_FAILED = "fetch_failed", "fetching incomplete"
    FETCH_INVALID = "fetch_invalid", "fetched records not valid"


class IssueStatus(models.TextChoices):
    ONGOING = "ongoing", "ongoing"
    RESOLVED = "resolved", "resolved"


class Issue(models.Model):
    """One problem of one integration, by cause; its words are rendered at read time."""

    client = models.ForeignKey(
        "integrations.Client", on_delete=models.CASCADE, related_name="issues"
    )
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="issues"
    )
    kind = models.CharField(max_length=30, choices=IssueKind.choices)
    # The cause's own id where the kind alone is not the cause: the owner's remote staff id
    # (owner_held, owner_missing), the lead source's remote id (lead_source_missing).
    subject = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=IssueStatus.choices, default=IssueStatus.ONGOING
    )
    affected = models.PositiveIntegerField(
        default=0, help_text="Records waiting, held or failed because of it now."
    )
    seen = models.PositiveBigIntegerField(
        default=0, help_text="Records (or calls) it touched since it opened."
    )
    # The platform's last answer or the run's problem, with ids only (no personal data).
    detail = models.CharField(max_length=300, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Notifications (integrations/sync/issues/notify.py): when the last email about it went,
    # and whether the "still going after an hour" one did.
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_lasting = models.BooleanField(default=False)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "subject"], name="one_issue_per_cause"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IssueStatus.values), name="issue_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status", "-last_seen_at"], name="issue_client_status"),
            models.Index(fields=["status", "kind"], name="issue_status_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.integration_id}, {self.status})"

    @property
    def ongoing(self) -> bool:
        return self.status == IssueStatus.ONGOING
