"""Launching an integration without duplicates (product.md §3a, issue 14 item 4).

While an integration is *previewed* (`Integration.launching`), what it sends is stored and
matched against the people the client already has, as always, but nothing of it is delivered
and it receives nothing: its outbox rows wait, held. Support staff watch what matching did
(`Launch`: linked, to review, new, as the records come in), decide the uncertain pairs, then
switch it on: the records that are truly new are delivered (or none: *from now*), the others
were linked to the people the other platforms already hold.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Launch(models.Model):
    """One launch of one integration: its preview, then its switch-on (or cancellation)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "preview (nothing delivered yet)"
        SWITCHED_ON = "switched_on", "switched on"
        CANCELLED = "cancelled", "cancelled"

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="launches"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEW)
    received = models.PositiveIntegerField(default=0, help_text="Records received so far.")
    linked = models.PositiveIntegerField(
        default=0, help_text="Records that are certainly people the client has: linked."
    )
    review = models.PositiveIntegerField(
        default=0, help_text="Records that may be people the client has: to decide."
    )
    new = models.PositiveIntegerField(default=0, help_text="People the client does not have.")
    start_from_now = models.BooleanField(
        default=False, help_text="Switched on without delivering the records it held."
    )
    delivered = models.PositiveIntegerField(default=0, help_text="Sent at the switch-on.")
    discarded = models.PositiveIntegerField(default=0, help_text="Not sent at the switch-on.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"], condition=Q(status="preview"),
                name="one_preview_per_integration",
            )
        ]

    def __str__(self) -> str:
        return f"launch of {self.integration_id} ({self.status})"
