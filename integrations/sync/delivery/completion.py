"""Completing an event for its destination before it is sent: owner policy, lead source.

Translation itself (the destination's ids) is `translate.events_render`; here is what to do
when a translation is missing: the unmatched-owner policy (product.md §1) and creating a lead
source at a platform that can create them (product.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.adapters.base import Adapter, AdapterError, AuthError
from integrations.models import Integration, Member, Prospect
from integrations.models.choices import UnmatchedOwner
from integrations.records.translate import staff_translate
from integrations.sync.delivery.lead_source_creation import lead_source_create_at

# What a record went out without, or with a stand-in for (`Problem.kind`); the delivery pass
# groups them by kind and subject into one log line and one issue each (bookkeeping.py).
OWNER_MISSING = "owner_missing"
DEFAULT_STAFF = "default_staff"
LEAD_SOURCE_MISSING = "lead_source_missing"
LEAD_SOURCE_NOT_CREATED = "lead_source_not_created"


@dataclass(frozen=True, order=True)
class Problem:
    """`subject`: the owner's remote staff id, or the lead source's remote id; `note`: the
    platform's answer when creating the lead source there failed."""

    kind: str
    subject: int
    note: str = ""


@dataclass
class Prepared:
    data: dict[str, Any]
    hold_reason: str = ""
    held_for: int | None = None  # the owner (remote staff id) a held row waits for
    sent_without_owner: bool = False
    sent_without_lead_source: bool = False
    problems: list[Problem] = field(default_factory=list)
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
        prepared.problems.append(Problem(DEFAULT_STAFF, record.staff_owner_id or 0))
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
    name = owner.full_name or owner.external_id
    return f"{name} ({owner.integration.platform.name} staff {owner.external_id})"


def _owner_policy(*, integration: Integration, record: Prospect | Member,
                  prepared: Prepared) -> None:
    platform = integration.platform.name
    who = owner_words(record)
    policy = integration.unmatched_owner
    if policy == UnmatchedOwner.HOLD:
        prepared.hold_reason = f"Waiting for a staff mapping of {who} in {platform}."
        prepared.held_for = record.staff_owner_id
        return
    default = integration.default_staff if policy == UnmatchedOwner.DEFAULT_STAFF else None
    if default is not None:
        prepared.data["staff_owner"] = {
            "external_id": default.external_id,
            "email": default.email,
            "name": default.full_name,
        }
        prepared.problems.append(Problem(DEFAULT_STAFF, record.staff_owner_id or 0))
        return
    prepared.sent_without_owner = True
    prepared.problems.append(Problem(OWNER_MISSING, record.staff_owner_id or 0))


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
            # A refused credential is no answer about the lead source: the row waits with the
            # rest (deliver.py), never sent without its source.
            if not error.permanent or isinstance(error, AuthError):
                prepared.failure = error
                prepared.failure_prefix = f"Creating the lead source “{name}” at {platform}: "
                return
            prepared.problems.append(
                Problem(LEAD_SOURCE_NOT_CREATED, record.lead_source_id or 0, error.message[:200])
            )
        else:
            prepared.data["lead_source"] = {"external_id": external_id, "name": name}
            return
    else:
        prepared.problems.append(Problem(LEAD_SOURCE_MISSING, record.lead_source_id or 0))
    # When the source gets a mapping there, it follows as an update (recheck.py).
    prepared.sent_without_lead_source = True
