from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from integrations.crypto import EncryptedTextField
from integrations.models.choices import RecordKind


class SnapshotField(models.JSONField):
    """JSON stored as written: `json` rather than `jsonb` on PostgreSQL.

    For documents written once, read back whole and never queried inside (a change's
    snapshot): PostgreSQL checks the text is JSON but does not build jsonb's parsed form,
    which was ~6% of its time in an ingest batch (docs/performance.md, "Partner API"). The
    `json` type has no equality operator, so such a column is never filtered, grouped or made
    DISTINCT on; JSON lookups (`data__key`) are not used on it either.
    """

    def db_type(self, connection: Any) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value  # psycopg decodes `json` itself (Django makes it hand over jsonb as text)


class Change(models.Model):
    """One accepted change to a canonical record, as it was stored (design.md, ingest)."""

    # Changes are read by id (the feed, through the outbox) and by record (trace, admin):
    # no other index, since each one costs every ingest write (docs/performance.md).
    # No database constraints on client and source_integration: see `integrity.py`.
    client = models.ForeignKey(
        "integrations.Client",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    record_id = models.UUIDField(db_index=True)
    event_type = models.CharField(max_length=40)
    source_integration = models.ForeignKey(
        "integrations.Integration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    data = SnapshotField(default=dict)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.record_id}"


CURRENT_TXID_SQL = "pg_current_xact_id()::text::bigint"


class CurrentTxid(models.Func):
    """The writing transaction's id on PostgreSQL (NULL elsewhere), as a column default.

    A database default rather than a value set by each writer, so every insert of an outbox
    row, whoever writes it, carries the id the change feed's safe watermark relies on.
    """

    output_field = models.BigIntegerField()
    template = "NULL"

    def as_postgresql(self, compiler, connection, **extra_context):
        return f"({CURRENT_TXID_SQL})", []


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "pending"
    HELD = "held", "held (waiting for a mapping)"
    SENDING = "sending", "sending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed"
    DISCARDED = "discarded", "discarded"
    # A feed partner's held event, released: the feed serves rows in order and never one
    # behind a cursor it handed out, so the event is published as a new row, and this one is
    # never served (`delivery/feed_rows.py`).
    SUPERSEDED = "superseded", "released as a newer delivery"


class OutboxRow(models.Model):
    """One change to deliver to one destination integration: the per-destination stream."""

    # Lookups by integration use the composite indexes below, which all start with it.
    # No database constraints on integration and change: see `integrity.py` (a change's
    # outbox rows are written in the change's own transaction, and changes are never deleted
    # while rows point at them: PROTECT).
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.PROTECT,
        related_name="outbox",
        db_index=False,
        db_constraint=False,
    )
    # Not indexed: rows are found by integration and record, or by the feed's order; a
    # change is never deleted (the change log is kept, the admin cannot delete it).
    change = models.ForeignKey(
        Change,
        on_delete=models.PROTECT,
        related_name="outbox",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    record_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    # The delivery state starts the same for every new row: database defaults too, so
    # ingest's COPY sends only the columns that differ (about half as many values to encode).
    status = models.CharField(
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_default=OutboxStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="", db_default="")
    hold_reason = models.CharField(max_length=200, blank=True, default="", db_default="")
    last_error = models.TextField(blank=True, default="", db_default="")
    # PostgreSQL transaction id of the writer: the feed serves only rows below the oldest
    # transaction still running, so a reader never skips a row that commits late.
    txid = models.BigIntegerField(null=True, blank=True, db_default=CurrentTxid(), editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Delivered without its owner (policy "send without owner"): when the staff mapping is
    # made later, the owner follows as an update and this flag is cleared.
    sent_without_owner = models.BooleanField(default=False, db_default=False)
    # Delivered without its lead source (no mapping there, and the platform cannot create
    # it): when the lead source gets a mapping, it follows as an update (delivery/recheck.py).
    sent_without_lead_source = models.BooleanField(default=False, db_default=False)
    # Why a row that is not delivered waits, was held or failed: the issue of its cause
    # (models/issues.py), cleared when it is delivered. Never set by ingest (but for a feed
    # partner's held row), so its partial index costs ingest nothing.
    issue = models.ForeignKey(
        "integrations.Issue",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"
        # Every index here costs each ingest write (two outbox rows per record in a typical
        # club): four entries per new row. The two partial ones hold only rows waiting to be
        # sent (claims, the sweep) and rows that need someone (held, sending, failed: the
        # stuck-send sweep, the admin's status filter); a row enters the second only when
        # delivery updates it, never at ingest. A record's rows (the per-record order of
        # claims, the trace, releases) by record first: record ids are UUIDv7, so new entries
        # go to the index's right edge, both of a record's rows side by side (measured ~0.8 ms
        # less PostgreSQL per 500-record batch than with the integration first).
        indexes = [
            models.Index(fields=["record_id", "integration", "id"], name="outbox_record_order"),
            models.Index(fields=["integration", "txid", "id"], name="outbox_feed_order"),
            models.Index(
                fields=["integration", "id"],
                condition=models.Q(status="pending"),
                name="outbox_pending",
            ),
            models.Index(
                fields=["status", "id"],
                condition=models.Q(status__in=["held", "sending", "failed"]),
                name="outbox_open",
            ),
            # Rows delivered incomplete, which the periodic recheck follows up: few, and
            # none written by ingest unless a feed partner cannot translate an owner/source.
            models.Index(
                fields=["id"],
                condition=models.Q(sent_without_owner=True)
                | models.Q(sent_without_lead_source=True),
                name="outbox_incomplete",
            ),
            # The rows of an issue (its count, its list): none written by ingest.
            models.Index(
                fields=["issue", "id"],
                condition=models.Q(issue__isnull=False),
                name="outbox_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.integration_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try of one delivery: when, what came of it, the platform's answer, and who asked
    for it again. Written once per delivery pass for the whole batch (`outcomes.py`), so a
    failure and the retry that delivered it both stay in the record's journey."""

    class Result(models.TextChoices):
        DELIVERED = "delivered", "delivered"
        RETRY = "retry", "failed, tried again later"
        WAITING = "waiting", "waiting for the platform"
        RATE_LIMITED = "rate_limited", "asked to slow down"
        FAILED = "failed", "failed"
        HELD = "held", "held"
        SENT_AGAIN = "sent_again", "sent again"

    # No database constraint: delivered rows are pruned before their attempts (retention).
    delivery = models.ForeignKey(
        OutboxRow,
        on_delete=models.DO_NOTHING,
        related_name="tries",
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField()
    result = models.CharField(max_length=20, choices=Result.choices)
    answer = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["delivery", "id"], name="attempt_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.result} at {self.at:%Y-%m-%d %H:%M:%S}"


class SyncRun(models.Model):
    """One run of background work for an integration (a fetch, a delivery batch, a re-match)."""

    class Kind(models.TextChoices):
        FETCH = "fetch", "fetch"
        DELIVER = "deliver", "deliver"
        MATCH = "match", "match"

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        PARTIAL = "partial", "partial (some of it failed; tried again soon)"
        FAILED = "failed", "failed"

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["integration", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.integration_id} {self.status}"


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an Idempotency-Key, per partner (kept 24 h)."""

    platform = models.ForeignKey(
        "integrations.Platform", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "key"], name="one_idempotency_key_per_partner"
            )
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """Where a push partner receives its changes, signed per Standard Webhooks."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField(max_length=500)
    secret = EncryptedTextField(help_text="whsec_… signing secret, stored encrypted.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.url


class FeedRetention(models.Model):
    """How far an integration's delivered outbox rows have been pruned (services/retention.py):
    a feed cursor before `pruned_through` may have missed events that are gone (410)."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="feed_retention"
    )
    pruned_through = models.BigIntegerField(help_text="The highest outbox row id pruned.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.integration_id} pruned through {self.pruned_through}"
