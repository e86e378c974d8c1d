"""The Connector's domain model (product.md), one module per area."""

from integrations.db import lookups  # noqa: F401 - registers the `__any` lookup
from integrations.models.clients import ApiKey, Client, DataExport, Integration, Platform
from integrations.models.launches import Launch
from integrations.models.logs import AuditEntry, LogEntry
from integrations.models.matching import PossibleDuplicate
from integrations.models.monitoring import DeliveryTally, IngestTally
from integrations.models.records import ExternalLink, Member, Prospect
from integrations.models.sync import (
    Change,
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
    "DeliveryTally",
    "ExternalLink",
    "FeedRetention",
    "IdempotencyRecord",
    "IngestTally",
    "Integration",
    "Launch",
    "LogEntry",
    "Member",
    "OutboxRow",
    "Platform",
    "PossibleDuplicate",
    "Prospect",
    "SyncRun",
    "User",
    "WebhookEndpoint",
]
