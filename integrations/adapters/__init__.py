"""Platform adapters: one module per platform kind, one interface (base.Adapter)."""

from __future__ import annotations

from typing import Any

from integrations.adapters.base import Adapter, AdapterConfig
from integrations.adapters.rest import RestAdapter
from integrations.sync import conf

_adapters: dict[tuple[int, Any], Adapter] = {}


def adapter_class(kind: str) -> type[Adapter]:
    """The adapter class for a platform's adapter kind ('rest', ...)."""
    if kind == "rest":
        return RestAdapter
    raise LookupError(f"no adapter for platform kind {kind!r}")


def adapter_for(integration, *, base_url: str | None = None, token: str | None = None
                ) -> Adapter:
    """A ready adapter for an integration in api mode (base URL and decrypted token); a
    `base_url` or `token` given is used instead of the saved one (a test before saving)."""
    connect, read = conf.platform_timeouts()
    config = AdapterConfig(base_url=base_url if base_url is not None else integration.base_url,
                           token=token if token else integration.credentials,
                           timeout_connect=connect, timeout_read=read)
    return adapter_class(integration.platform.adapter)(config)


def adapter_cached(integration) -> Adapter:
    """One adapter (one pooled HTTP session) per integration per worker process, made again
    when the integration changes (its credentials, its address)."""
    key = (integration.pk, integration.updated_at)
    adapter = _adapters.get(key)
    if adapter is None:
        for stale in [k for k in _adapters if k[0] == integration.pk]:
            del _adapters[stale]
        adapter = _adapters[key] = adapter_for(integration)
    return adapter


def adapters_forget() -> None:
    """Drop this process's cached adapters (tests that swap the platform behind them)."""
    _adapters.clear()
