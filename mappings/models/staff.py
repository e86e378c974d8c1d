from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models.integrity import LockingDeleteModel


class MappingStatus(models.TextChoices):
    MATCHED = "matched", "matched"
    NEEDS_REVIEW = "needs_review", "needs review"
    UNMATCHED = "unmatched", "unmatched"
    NO_COUNTERPART = "no_counterpart", "no counterpart"


class MappingMethod(models.TextChoices):
    NONE = "", "—"
    PRIMARY = "primary", "primary integration (the directory itself)"
    EMAIL = "email", "same email"
    NAME = "name", "same full name"
    NICKNAME = "nickname", "nickname"
    FUZZY = "fuzzy", "similar name"
    SWAPPED = "swapped", "swapped first and last name"
    EMAIL_NAME = "email_name", "email resembles the name"
    MANUAL = "manual", "chosen by a person"
    CREATED = "created", "created in the platform"


class RemoteStaff(LockingDeleteModel):
    """A staff record in one integration's platform, as that platform lists it."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="remote_staff"
    )
    external_id = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    active = models.BooleanField(default=True)
    seen_in_roster = models.BooleanField(
        default=True, help_text="False when only a record named it (an owner not yet listed)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "external_id"]
        verbose_name = "remote staff"
        verbose_name_plural = "remote staff"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="one_remote_staff_per_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.external_id

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class StaffPerson(models.Model):
    """A person of the client's staff directory (taken from its primary integration)."""

    client = models.ForeignKey(
        "integrations.Client", on_delete=models.CASCADE, related_name="staff_directory"
    )
    external_id = models.CharField(max_length=100, help_text="The id in the primary platform.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "external_id"]
        verbose_name = "directory person"
        verbose_name_plural = "staff directory"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"], name="one_directory_person_per_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.external_id

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class StaffMapping(models.Model):
    """The link between one remote staff and a directory person (product.md §3)."""

    remote = models.OneToOneField(RemoteStaff, on_delete=models.CASCADE, related_name="mapping")
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="staff_mappings"
    )
    person = models.ForeignKey(
        StaffPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="mappings"
    )
    suggestion = models.ForeignKey(
        StaffPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=MappingStatus.choices, default=MappingStatus.UNMATCHED
    )
    method = models.CharField(max_length=20, choices=MappingMethod.choices, blank=True)
    score = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    confirmed = models.BooleanField(
        default=False, help_text="Decided by a person: re-matching never changes it."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the link was made or changed; the sync engine clears it once held prospects are
    # released and owner updates are queued, so that work survives a crash or a missing hook.
    pending_release = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "staff mapping"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "person"],
                condition=Q(person__isnull=False),
                name="one_remote_staff_per_person_and_integration",
            ),
            models.CheckConstraint(
                condition=Q(status="matched", person__isnull=False)
                | (~Q(status="matched") & Q(person__isnull=True)),
                name="staff_mapping_person_iff_matched",
            ),
        ]
        indexes = [
            models.Index(fields=["integration", "status"]),
            models.Index(
                fields=["integration"],
                condition=Q(pending_release=True),
                name="staff_mapping_pending_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remote} → {self.person or self.get_status_display()}"
