"""The support admin ("Connector support"): every model, one module per area."""

from integrations.admin import clients, logs, records, sync, users

__all__ = ["clients", "logs", "records", "sync", "users"]
