"""Creating a missing lead source at a destination platform that can create them."""

from __future__ import annotations

from django.db import transaction
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


def lead_source_key(name: str) -> str:
    return " ".join(tokens(name))[:100]


def lead_source_create_at(
    *, integration: Integration, source: RemoteLeadSource, adapter: Adapter
) -> str:
    """The destination's id for `source`, creating it there and mapping it if it is missing.

    Raises AdapterError when the platform refuses. Creators of one destination are serialized
    (a row lock on the integration) so two workers never create the same source twice.
    """
    with transaction.atomic():
        Integration.objects.select_for_update(no_key=True).filter(pk=integration.pk).first()
        lead_source = _client_lead_source(integration=integration, source=source)
        existing = _destination_remote(integration=integration, lead_source=lead_source)
        if existing is not None:
            return existing.external_id
        created = adapter.create_lead_source(source.name)
        remote, _ = RemoteLeadSource.objects.update_or_create(
            integration=integration,
            external_id=created.id,
            defaults={"name": created.name or source.name, "active": True},
        )
        _map(remote=remote, integration=integration, lead_source=lead_source,
             method=MappingMethod.CREATED, reason="created in the platform by the Connector")
        if integration.is_primary and not lead_source.external_id:
            lead_source.external_id = created.id
            lead_source.save(update_fields=["external_id"])
        return remote.external_id


def _client_lead_source(*, integration: Integration, source: RemoteLeadSource) -> LeadSource:
    mapping = LeadSourceMapping.objects.filter(remote=source).select_related("lead_source").first()
    if mapping is not None and mapping.lead_source is not None:
        return mapping.lead_source
    lead_source, _ = LeadSource.objects.get_or_create(
        client_id=integration.client_id,
        normalized_name=lead_source_key(source.name),
        defaults={"name": source.name},
    )
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
    taken = LeadSourceMapping.objects.filter(integration=integration, lead_source=lead_source)
    if taken.exclude(remote=remote).exists():
        return
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
