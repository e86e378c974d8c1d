"""An in-memory platform behind the adapter interface, for unit tests of the delivery logic.

The end-to-end tests use the real REST adapter against the sandbox platform over HTTP.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from integrations.adapters.base import (
    Adapter,
    AdapterConfig,
    AdapterError,
    Capabilities,
    RemoteLeadSourceRecord,
)


class FakePlatform(Adapter):
    capabilities = Capabilities(create_lead_source=True)

    def __init__(self) -> None:
        super().__init__(AdapterConfig(base_url="http://fake"))
        self.records: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.lead_sources: dict[str, str] = {}
        self.faults: deque[AdapterError] = deque()  # raised one per call, in order

    def _maybe_fail(self) -> None:
        if self.faults:
            raise self.faults.popleft()

    def create_record(self, kind: str, fields: dict[str, Any], *, idempotency_key: str) -> str:
        self.calls.append(("create", kind, dict(fields)))
        self._maybe_fail()
        if idempotency_key in self.by_key:
            return self.by_key[idempotency_key]
        new_id = f"F{len(self.records) + 1}"
        self.records[new_id] = dict(fields)
        self.by_key[idempotency_key] = new_id
        return new_id

    def update_record(self, kind: str, external_id: str, fields: dict[str, Any]) -> None:
        self.calls.append(("update", external_id, dict(fields)))
        self._maybe_fail()
        self.records[external_id].update(fields)

    def create_lead_source(self, name: str, *, idempotency_key: str | None = None
                           ) -> RemoteLeadSourceRecord:
        self.calls.append(("create_lead_source", name))
        new_id = f"LS{len(self.lead_sources) + 1}"
        self.lead_sources[new_id] = name
        return RemoteLeadSourceRecord(id=new_id, name=name)
