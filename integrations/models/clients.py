from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from integrations.crypto import EncryptedTextField
from integrations.models.choices import Adapter, DataKind, Direction, Mode, UnmatchedOwner
from integrations.models.integrity import LockingDeleteModel
from integrations.models.matching import ReviewPolicy


def time_zone_validator(value: str) -> None:
    """A zone of the IANA database ("Europe/London", "America/New_York", "UTC")."""
    if value not in available_time_zones():
        raise ValidationError(
            f"“{value}” is not a time zone: use a name such as Europe/London or UTC."
        )


@functools.cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


client_id_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
)


class Client(LockingDeleteModel):
    """A club business launched on the Connector: one tenant."""

    id = models.CharField(primary_key=True, max_length=64, validators=[client_id_validator])
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[time_zone_validator],
        help_text="The club's time zone (an IANA name such as Europe/London): the times of its "
        "pages, log and emails.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The club's time zone (UTC if the stored name is not one any more)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Platform(models.Model):
    """A kind of system: InTouch, or a partner's product."""

    slug = models.SlugField(unique=True, max_length=50)
    name = models.CharField(max_length=100)
    adapter = models.CharField(max_length=20, choices=Adapter.choices, default=Adapter.REST)
    can_create_lead_sources = models.BooleanField(default=False)
    has_staff = models.BooleanField(default=True)
    has_lead_sources = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Integration(LockingDeleteModel):
    """One client's connection to one platform, with the options of product.md §1."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="integrations")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="integrations")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    data = models.CharField(max_length=10, choices=DataKind.choices)
    staff_owner = models.BooleanField(default=False, help_text="Include the lead's staff owner.")
    lead_source = models.BooleanField(default=False, help_text="Include the lead's lead source.")
    enabled = models.BooleanField(default=True)
    # In a launch preview (models/launches.py): what it sends is stored and matched, held,
    # and it receives nothing, until support staff switch it on.
    launching = models.BooleanField(default=False, editable=False)
    is_primary = models.BooleanField(
        default=False, help_text="Its staff list seeds the client's staff directory."
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PUSH)
    base_url = models.URLField(blank=True, max_length=500)
    credentials = EncryptedTextField(blank=True, default="", help_text="Stored encrypted.")
    credentials_hint = models.CharField(max_length=8, blank=True, editable=False)
    default_lead_source_name = models.CharField(max_length=100, default="Import")
    unmatched_owner = models.CharField(
        max_length=20, choices=UnmatchedOwner.choices, default=UnmatchedOwner.SEND_WITHOUT_OWNER
    )
    default_staff = models.ForeignKey(
        "mappings.RemoteStaff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="This platform's staff who receives leads whose owner has no mapping.",
    )
    # A record from this platform that may be a person the client already has (product.md
    # §3a): hold its deliveries until support staff decide, or send it as new.
    prospect_review = models.CharField(
        max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.SEND_AS_NEW
    )
    member_review = models.CharField(
        max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.HOLD
    )
    include_conversions = models.BooleanField(default=True)
    include_secondary_members = models.BooleanField(default=False)
    fetch_interval_minutes = models.PositiveIntegerField(default=5)
    fetch_cursor = models.JSONField(default=dict, blank=True, editable=False)
    last_fetch_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_id", "-is_primary", "platform__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "platform"], name="one_integration_per_client_platform"
            ),
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_primary=True), name="one_primary_per_client"
            ),
            models.CheckConstraint(
                condition=Q(data__in=[DataKind.PROSPECTS, DataKind.BOTH])
                | Q(staff_owner=False, lead_source=False),
                name="prospect_extras_only_with_prospects",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="integration_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(data__in=DataKind.values), name="integration_data_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=Mode.values), name="integration_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} ↔ {self.platform.name}"

    @property
    def sends(self) -> bool:
        return self.direction in (Direction.SEND, Direction.BOTH)

    @property
    def receives(self) -> bool:
        return self.direction in (Direction.RECEIVE, Direction.BOTH)

    @property
    def includes_prospects(self) -> bool:
        return self.data in (DataKind.PROSPECTS, DataKind.BOTH)

    @property
    def includes_members(self) -> bool:
        return self.data in (DataKind.MEMBERS, DataKind.BOTH)

    def includes(self, kind: str) -> bool:
        return self.includes_prospects if kind == "prospect" else self.includes_members

    def review_policy(self, kind: str) -> str:
        """What happens to a `kind` record from here that may be a known person."""
        return self.prospect_review if kind == "prospect" else self.member_review


class ApiKey(models.Model):
    """A partner's API key: only a SHA-256 hash of the key is kept."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(
        max_length=16, help_text="The key's first characters, to tell keys apart."
    )
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "partner API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.platform.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DataExport(models.Model):
    """A client's connector data (records and their links) as a CSV file, made in the
    background (services/export.py) and kept a day."""

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting to start"
        RUNNING = "running", "being prepared"
        READY = "ready", "ready to download"
        FAILED = "failed", "failed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        "integrations.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    token = models.CharField(max_length=64, unique=True, help_text="The file's name on disk.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.client_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
