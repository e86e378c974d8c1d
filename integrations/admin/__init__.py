"""The support admin ("Connector support"): every model, one module per area."""

from integrations.admin import clients, issues, launches, logs, people, records, sync, users

__all__ = ["clients", "issues", "launches", "logs", "people", "records", "sync", "users"]
