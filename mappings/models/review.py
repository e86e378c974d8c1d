from __future__ import annotations

from mappings.models.lead_sources import LeadSourceMapping
from mappings.models.staff import StaffMapping


class StaffReview(StaffMapping):
    """The admin's review queue: staff mappings that need a person."""

    class Meta:
        proxy = True
        verbose_name = "staff to review"
        verbose_name_plural = "staff review queue"


class LeadSourceReview(LeadSourceMapping):
    """The admin's review queue: lead-source mappings that need a person."""

    class Meta:
        proxy = True
        verbose_name = "lead source to review"
        verbose_name_plural = "lead-source review queue"
