"""The support admin ("Connector support"): every model, one module per area."""

from integrations.admin import clients, logs, people, records, sync, users

__all__ = ["clients", "logs", "people", "records", "sync", "users"]
