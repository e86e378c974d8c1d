"""Platform adapters: one module per platform kind, one interface (base.Adapter)."""

from __future__ import annotations

from integrations.adapters.base import Adapter, AdapterConfig
from integrations.adapters.rest import RestAdapter
from integrations.sync import conf


def adapter_class(kind: str) -> type[Adapter]:
    """The adapter class for a platform's adapter kind ('rest', ...)."""
    if kind == "rest":
        return RestAdapter
    raise LookupError(f"no adapter for platform kind {kind!r}")


def adapter_for(integration) -> Adapter:
    """A ready adapter for an integration in api mode (base URL and decrypted token)."""
    connect, read = conf.platform_timeouts()
    config = AdapterConfig(base_url=integration.base_url, token=integration.credentials,
                           timeout_connect=connect, timeout_read=read)
    return adapter_class(integration.platform.adapter)(config)
