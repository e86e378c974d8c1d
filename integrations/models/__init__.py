"""The Connector's domain model (product.md), one module per area."""

from integrations.db import lookups  # noqa: F401 - registers the `__any` lookup
from integrations.models.clients import ApiKey, Client, DataExport, Integration, Platform
from integrations.models.issues import Issue, IssueKind, IssueStatus
from integrations.models.launches import Launch
from integrations.models.logs import AuditEntry, LogEntry
from integrations.models.matching import PossibleDuplicate
from integrations.models.monitoring import DeliveryTally, IngestTally, ReceivedTally
from integrations.models.records import ExternalLink, Member, Prospect
from integrations.models.sync import (
    Change,
    DeliveryAttempt,
    FeedRetention,
    IdempotencyRecord,
    OutboxRow,
    SyncRun,
    WebhookEndpoint,
)
from integrations.models.users import User

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Change",
    "Client",
    "DataExport",
    "DeliveryAttempt",
    "DeliveryTally",
    "ExternalLink",
    "FeedRetention",
    "IdempotencyRecord",
    "IngestTally",
    "Integration",
    "Issue",
    "IssueKind",
    "IssueStatus",
    "Launch",
    "LogEntry",
    "Member",
    "OutboxRow",
    "Platform",
    "PossibleDuplicate",
    "Prospect",
    "ReceivedTally",
    "SyncRun",
    "User",
    "WebhookEndpoint",
]
