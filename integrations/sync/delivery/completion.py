"""Completing an event for its destination before it is sent: owner policy, lead source.

Translation itself (the destination's ids) is `translate.events_render`; here is what to do
when a translation is missing: the unmatched-owner policy (product.md §1) and creating a lead
source at a platform that can create them (product.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.adapters.base import Adapter, AdapterError
from integrations.models import Integration, Member, Prospect
from integrations.models.choices import UnmatchedOwner
from integrations.records.translate import staff_translate
from integrations.sync.delivery.lead_source_creation import lead_source_create_at


@dataclass
class Prepared:
    data: dict[str, Any]
    hold_reason: str = ""
    sent_without_owner: bool = False
    sent_without_lead_source: bool = False
    warnings: list[str] = field(default_factory=list)
    # A step before the record call failed for a temporary reason (creating the lead source
    # answered 500, 429, timed out): the row is retried as a whole, never sent incomplete.
    failure: AdapterError | None = None
    failure_prefix: str = ""


def event_prepare(
    *,
    integration: Integration,
    record: Prospect | Member,
    data: dict[str, Any],
    adapter: Adapter | None,
) -> Prepared:
    """Apply the owner policy and lead-source creation; may say the row must be held, or
    (`failure`) that a step failed for a temporary reason and the row is to be retried."""
    prepared = Prepared(data=dict(data))
    if integration.staff_owner and record.staff_owner_id and not _has_id(data, "staff_owner"):
        _owner_policy(integration=integration, record=record, prepared=prepared)
    elif _given_default_staff(integration=integration, record=record, data=data):
        prepared.warnings.append(
            f"{record} went to {integration.platform.name} with the default staff "
            f"{integration.default_staff}: {owner_words(record)} has no staff mapping there."
        )
    if integration.lead_source and record.lead_source_id and not _has_id(data, "lead_source"):
        _lead_source_fill(integration=integration, record=record, prepared=prepared,
                          adapter=adapter)
    return prepared


def _given_default_staff(*, integration: Integration, record: Prospect | Member,
                         data: dict[str, Any]) -> bool:
    """The renderer put the default staff in because the owner has no mapping there."""
    default = integration.default_staff
    if not (integration.staff_owner and record.staff_owner_id and default is not None
            and integration.unmatched_owner == UnmatchedOwner.DEFAULT_STAFF):
        return False
    if (data.get("staff_owner") or {}).get("external_id") != default.external_id:
        return False

    found = staff_translate(integration=integration, remote_staff_ids=[record.staff_owner_id])
    translation = found.get(record.staff_owner_id)
    return translation is None or translation.status != "translated"


def _has_id(data: dict[str, Any], key: str) -> bool:
    return bool((data.get(key) or {}).get("external_id"))


def owner_words(record: Prospect | Member) -> str:
    owner = record.staff_owner
    if owner is None:
        return "its owner"
    name = owner.full_name or owner.email or owner.external_id
    return f"{name} ({owner.integration.platform.name} staff {owner.external_id})"


def _owner_policy(*, integration: Integration, record: Prospect | Member,
                  prepared: Prepared) -> None:
    platform = integration.platform.name
    who = owner_words(record)
    policy = integration.unmatched_owner
    if policy == UnmatchedOwner.HOLD:
        prepared.hold_reason = f"Waiting for a staff mapping of {who} in {platform}."
        return
    default = integration.default_staff if policy == UnmatchedOwner.DEFAULT_STAFF else None
    if default is not None:
        prepared.data["staff_owner"] = {
            "external_id": default.external_id,
            "email": default.email,
            "name": default.full_name,
        }
        prepared.warnings.append(
            f"{record} went to {platform} with the default staff {default}: "
            f"{who} has no staff mapping there."
        )
        return
    prepared.sent_without_owner = True
    prepared.warnings.append(
        f"{record} went to {platform} without an owner: {who} has no staff mapping there. "
        "The owner follows when the mapping is made."
    )


def _lead_source_fill(*, integration: Integration, record: Prospect | Member,
                      prepared: Prepared, adapter: Adapter | None) -> None:
    source = record.lead_source
    name = source.name if source else ""
    platform = integration.platform.name
    can_create = (
        adapter is not None
        and integration.platform.can_create_lead_sources
        and adapter.capabilities.create_lead_source
    )
    if can_create and name and source is not None and adapter is not None:
        try:
            external_id = lead_source_create_at(
                integration=integration, source=source, adapter=adapter
            )
        except AdapterError as error:
            if not error.permanent:
                prepared.failure = error
                prepared.failure_prefix = f"Creating the lead source “{name}” at {platform}: "
                return
            prepared.warnings.append(
                f"{record} went to {platform} without its lead source “{name}”: "
                f"creating it there failed ({error.message})."
            )
        else:
            prepared.data["lead_source"] = {"external_id": external_id, "name": name}
            return
    else:
        prepared.warnings.append(
            f"{record} went to {platform} without its lead source “{name}”: "
            "it has no lead-source mapping there."
        )
    # When the source gets a mapping there, it follows as an update (recheck.py).
    prepared.sent_without_lead_source = True
