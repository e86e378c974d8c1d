from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models.integrity import LockingDeleteModel
from mappings.models.staff import MappingStatus


class RemoteLeadSource(LockingDeleteModel):
    """A lead source in one integration's platform."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="remote_lead_sources"
    )
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    seen_in_roster = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="one_remote_lead_source_per_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LeadSource(models.Model):
    """A lead source of the client (taken from its primary integration)."""

    client = models.ForeignKey(
        "integrations.Client", on_delete=models.CASCADE, related_name="lead_sources"
    )
    name = models.CharField(max_length=100)
    normalized_name = models.CharField(max_length=100, editable=False)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The id in the primary platform."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "normalized_name"], name="one_lead_source_per_normalized_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LeadSourceMapping(models.Model):
    """The link between one remote lead source and the client's lead source (product.md §4)."""

    remote = models.OneToOneField(
        RemoteLeadSource, on_delete=models.CASCADE, related_name="mapping"
    )
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="lead_source_mappings"
    )
    lead_source = models.ForeignKey(
        LeadSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="mappings"
    )
    suggestion = models.ForeignKey(
        LeadSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=MappingStatus.choices, default=MappingStatus.UNMATCHED
    )
    method = models.CharField(max_length=20, blank=True)
    score = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    confirmed = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lead-source mapping"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "lead_source"],
                condition=Q(lead_source__isnull=False),
                name="one_remote_source_per_lead_source_and_integration",
            ),
            models.CheckConstraint(
                condition=Q(status="matched", lead_source__isnull=False)
                | (~Q(status="matched") & Q(lead_source__isnull=True)),
                name="lead_source_mapping_target_iff_matched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remote} → {self.lead_source or self.get_status_display()}"
