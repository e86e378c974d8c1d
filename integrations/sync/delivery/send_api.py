"""Sending one outbox row to an `api` platform through its adapter."""

from __future__ import annotations

from typing import Any

from integrations.adapters.base import Adapter, AdapterError, AuthError
from integrations.models import ExternalLink, Integration, OutboxRow
from integrations.sync.delivery.outcomes import DELIVERED, FAILED, RATE_LIMITED, RETRY, Outcome

# Event fields that are the Connector's bookkeeping, not the record's.
_NOT_FIELDS = ("id", "external_id", "staff_owner", "lead_source", "connector_id", "prospect_id")


def idempotency_key(row: OutboxRow) -> str:
    """Stable across retries of this row, so a create that timed out is not made twice."""
    return f"connector-outbox-{row.id}"


def adapter_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The platform's request body (platform-contract.md): fields plus ids in its own terms."""
    fields = {key: value for key, value in data.items() if key not in _NOT_FIELDS}
    owner = data.get("staff_owner") or {}
    source = data.get("lead_source") or {}
    if owner.get("external_id"):
        fields["staff_owner_id"] = owner["external_id"]
    if source.get("external_id"):
        fields["lead_source_id"] = source["external_id"]
    return fields


def send_api_row(*, adapter: Adapter, row: OutboxRow, data: dict[str, Any]) -> Outcome:
    """Create or update the record at the platform (no database: runs on the send pool).

    `data["external_id"]` is the platform's id when the Connector has one (rendered with the
    batch; a record's earlier rows are always delivered before, see claim.py).
    """
    if row.event_type.endswith(".erased"):
        return _erase(adapter=adapter, row=row, external_id=data.get("external_id"))
    fields = adapter_fields(data)
    try:
        external_id = data.get("external_id")
        if external_id:
            adapter.update_record(row.kind, external_id, fields)
            return Outcome(DELIVERED)
        # One call per attempt: every retry of this create sends the same Idempotency-Key,
        # and the platform answers a key it has seen with the record it created then
        # (platform-contract.md), so an answer lost to a timeout costs no second record.
        external_id = adapter.create_record(row.kind, fields, idempotency_key=idempotency_key(row))
    except AdapterError as error:
        return adapter_error_outcome(error)
    # The link is stored with the batch (links_store): a crash before that re-sends the
    # create with the same Idempotency-Key, which the platform answers with the same id.
    return Outcome(DELIVERED, created_external_id=external_id)


def _erase(*, adapter: Adapter, row: OutboxRow, external_id: str | None) -> Outcome:
    """Tell the platform a person was erased: its erase call, or a failed delivery that asks
    support staff to erase it there by hand (the platform's own id, no personal data)."""
    if not external_id:
        return Outcome(DELIVERED)  # the platform never got this person: nothing to erase
    if not adapter.capabilities.erase_records:
        return Outcome(
            FAILED,
            error=f"This platform has no erase call: erase {row.kind} {external_id} there by "
            "hand, then discard this delivery.",
        )
    try:
        adapter.erase_record(row.kind, external_id)
    except AdapterError as error:
        return adapter_error_outcome(error)
    return Outcome(DELIVERED)


def adapter_error_outcome(error: AdapterError, *, prefix: str = "") -> Outcome:
    """What a failed call means for the row: wait (429), fail (the record's fault), retry."""
    message = prefix + (error.message or error.__class__.__name__)
    if error.status == 429:
        return Outcome(RATE_LIMITED, error=message, retry_after=error.retry_after)
    if error.permanent:
        return Outcome(FAILED, error=message, credentials_refused=isinstance(error, AuthError))
    return Outcome(RETRY, error=message, retry_after=error.retry_after, platform_failure=True)


def links_store(*, integration: Integration, created: list[tuple[OutboxRow, str]]) -> None:
    """External ids of records this batch created (a conflicting link keeps the first)."""
    ExternalLink.objects.bulk_create(
        [
            ExternalLink(integration=integration, kind=row.kind, external_id=external_id,
                         **{f"{row.kind}_id": row.record_id})
            for row, external_id in created
        ],
        ignore_conflicts=True,
    )
