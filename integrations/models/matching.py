"""Matching people (product.md §3a): what ingest looks people up by, and what waits for a person.

- What ingest looks people up by lives on the records themselves (`PersonRecord.name_key`
  beside the normalized email, E.164 phone and birth date, each with a partial index per
  client): a record that arrives without a link finds the people it may be by indexed
  look-ups, never by a scan.
- `PossibleDuplicate`: a stored record that may be a person the client already had, waiting
  for support staff (or decided by them): the review queue of people.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models.choices import RecordKind


class ReviewPolicy(models.TextChoices):
    """What happens to a record that may be a person the client already has (product.md §3a)."""

    SEND_AS_NEW = "send_as_new", "send it as a new person (a lead never waits)"
    HOLD = "hold", "hold its deliveries until a person decides"


class DuplicateStatus(models.TextChoices):
    NEEDS_REVIEW = "needs_review", "needs review"
    SAME = "same", "same person"
    DIFFERENT = "different", "different people"


class PossibleDuplicate(models.Model):
    """A stored record that may be the same person as `candidate` (the best of `candidates`).

    Made by ingest when matching is not certain (`integrations.sync.inbound.people`); decided
    in the admin: *same person* merges the record into the candidate (a member into a
    prospect: its conversion), *different people* keeps both and never suggests the pair
    again; either can be undone. `merge` keeps what a decision changed, for its undo.
    """

    client = models.ForeignKey(
        "integrations.Client", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    integration = models.ForeignKey(
        "integrations.Integration",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the record came from.",
    )
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    record_id = models.UUIDField(help_text="The record that arrived.")
    external_id = models.CharField(max_length=100, blank=True)
    candidate_kind = models.CharField(max_length=10, choices=RecordKind.choices)
    candidate_id = models.UUIDField(help_text="The person it may be.")
    status = models.CharField(
        max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.NEEDS_REVIEW
    )
    score = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    candidates = models.JSONField(
        default=list, blank=True, help_text="[{kind, id, score, reason}], the best first."
    )
    held = models.BooleanField(
        default=False, help_text="The record's deliveries wait for the decision."
    )
    merge = models.JSONField(default=dict, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "possible duplicate"
        constraints = [
            models.UniqueConstraint(fields=["record_id"], name="one_review_per_record"),
            models.CheckConstraint(
                condition=Q(status__in=DuplicateStatus.values), name="duplicate_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status", "id"], name="duplicate_queue"),
            models.Index(fields=["candidate_id"], name="duplicate_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id or self.record_id} ~ {self.candidate_id}"
