"""Creating a missing lead source at a destination platform that can create them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.adapters.base import Adapter
from integrations.models import Integration
from mappings.matching.names import tokens
from mappings.models import (
    LeadSource,
    LeadSourceMapping,
    MappingMethod,
    MappingStatus,
    RemoteLeadSource,
)
from mappings.services.directory import client_integrations_lock


def lead_source_key(name: str) -> str:
    return " ".join(tokens(name))[:100]


def lead_source_idempotency_key(*, integration: Integration, lead_source: LeadSource) -> str:
    """The same on every try, from any worker: the platform makes the source once."""
    return f"connector-lead-source-{integration.pk}-{lead_source.pk}"


def lead_source_create_at(
    *, integration: Integration, source: RemoteLeadSource, adapter: Adapter
) -> str:
    """The destination's id for `source`, creating it there and mapping it if it is missing.

    Raises AdapterError when the platform refuses or fails (a temporary error: the caller
    retries the whole delivery, and the retry sends the same Idempotency-Key). No lock is held
    during the call: two workers creating the same source send the same key and get the same
    source back, and storing it is idempotent.
    """
    lead_source = _client_lead_source(integration=integration, source=source)
    existing = _destination_remote(integration=integration, lead_source=lead_source)
    if existing is not None:
        return existing.external_id
    created = adapter.create_lead_source(
        source.name,
        idempotency_key=lead_source_idempotency_key(integration=integration,
                                                    lead_source=lead_source),
    )
    with transaction.atomic():
        # A re-matching run links the same remote source: one writer at a time.
        client_integrations_lock(client_id=integration.client_id)
        remote, _ = RemoteLeadSource.objects.update_or_create(
            integration=integration,
            external_id=created.id,
            defaults={"name": created.name or source.name, "active": True},
        )
        _map(remote=remote, integration=integration, lead_source=lead_source,
             method=MappingMethod.CREATED, reason="created in the platform by the Connector")
        if integration.is_primary and not lead_source.external_id:
            LeadSource.objects.filter(pk=lead_source.pk, external_id="").update(
                external_id=created.id
            )
    return remote.external_id


def _client_lead_source(*, integration: Integration, source: RemoteLeadSource) -> LeadSource:
    mapping = LeadSourceMapping.objects.filter(remote=source).select_related("lead_source").first()
    if mapping is not None and mapping.lead_source is not None:
        return mapping.lead_source
    key = lead_source_key(source.name)
    # A re-matching run may add the same name at the same moment: insert if missing, never
    # fail on the other writer's row (one_lead_source_per_normalized_name), then read it.
    LeadSource.objects.bulk_create(
        [LeadSource(client_id=integration.client_id, normalized_name=key, name=source.name)],
        ignore_conflicts=True,
    )
    lead_source = LeadSource.objects.get(client_id=integration.client_id, normalized_name=key)
    if mapping is None or not mapping.confirmed:
        _map(remote=source, integration=source.integration, lead_source=lead_source,
             method=MappingMethod.NAME, reason="same name as the lead source created for it")
    return lead_source


def _destination_remote(
    *, integration: Integration, lead_source: LeadSource
) -> RemoteLeadSource | None:
    mapping = (
        LeadSourceMapping.objects.filter(integration=integration, lead_source=lead_source)
        .select_related("remote")
        .first()
    )
    return mapping.remote if mapping is not None else None


def _map(
    *,
    remote: RemoteLeadSource,
    integration: Integration,
    lead_source: LeadSource,
    method: str,
    reason: str,
) -> None:
    """Map `remote` to `lead_source` unless another remote of the integration has it (a
    concurrent run that mapped it first wins: its mapping stands)."""
    taken = LeadSourceMapping.objects.filter(integration=integration, lead_source=lead_source)
    if taken.exclude(remote=remote).exists():
        return
    try:
        with transaction.atomic():
            LeadSourceMapping.objects.update_or_create(
                remote=remote,
                defaults={
                    "integration": integration,
                    "lead_source": lead_source,
                    "suggestion": None,
                    "status": MappingStatus.MATCHED,
                    "method": method,
                    "score": None,
                    "reason": reason,
                    "decided_at": timezone.now(),
                },
            )
    except IntegrityError:
        return
