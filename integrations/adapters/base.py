"""The one small interface every platform adapter implements (platform-contract.md).

Adapters speak HTTP and dataclasses, never the ORM: the sync engine loads what they need,
calls them, and stores what they return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class AdapterError(Exception):
    """A call to the platform failed.

    `permanent` says whether retrying can help: a 4xx about the record is permanent, a timeout,
    a connection error, a 5xx or a 429 is not. `retry_after` (seconds) comes from a 429 or 503.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after


class AuthError(AdapterError):
    """The platform refused the credentials (401/403)."""


@dataclass(frozen=True)
class Capabilities:
    test_connection: bool = True
    list_staff: bool = True
    list_lead_sources: bool = True
    create_lead_source: bool = False
    prospects: bool = True
    members: bool = True
    fetch_changes: bool = True
    erase_records: bool = False  # the generic REST contract defines no erase call


@dataclass(frozen=True)
class RemoteStaffRecord:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    active: bool = True


@dataclass(frozen=True)
class RemoteLeadSourceRecord:
    id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class RemoteRecord:
    """A prospect or member as a platform lists it (fields as in partner-api.md)."""

    id: str
    fields: dict[str, Any]
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ChangesPage:
    records: list[RemoteRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str  # plain words for a club manager: "Connected", "The platform refused ..."


@dataclass
class AdapterConfig:
    base_url: str
    token: str = field(repr=False, default="")
    timeout_connect: float = 3.0
    timeout_read: float = 10.0


class Adapter:
    """Base class: a concrete adapter overrides what its platform supports."""

    capabilities = Capabilities()

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config

    def test_connection(self) -> ConnectionResult:
        raise NotImplementedError

    def list_staff(self) -> list[RemoteStaffRecord]:
        raise NotImplementedError

    def list_lead_sources(self) -> list[RemoteLeadSourceRecord]:
        raise NotImplementedError

    def create_lead_source(
        self, name: str, *, idempotency_key: str | None = None
    ) -> RemoteLeadSourceRecord:
        """Create a lead source; raises AdapterError(permanent=True) if the platform cannot.

        The same `idempotency_key` on every retry: a platform answers it with the source the
        first request created.
        """
        raise NotImplementedError

    def create_record(self, kind: str, fields: dict[str, Any], *, idempotency_key: str) -> str:
        """Create a prospect or member (kind 'prospect'|'member'); returns the platform's id.

        Retried with the same `idempotency_key` (platform-contract.md): the platform answers a
        repeated key with the record the first request created, so a create whose answer was
        lost is never made twice, and nothing is ever looked up by a query the contract does
        not define. Raises AdapterError.
        """
        raise NotImplementedError

    def update_record(self, kind: str, external_id: str, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    def erase_record(self, kind: str, external_id: str) -> None:
        """Erase a person at the platform (only where `capabilities.erase_records`); raises
        AdapterError."""
        raise NotImplementedError

    def list_changed(self, kind: str, *, since: str | None, cursor: str | None) -> ChangesPage:
        raise NotImplementedError
