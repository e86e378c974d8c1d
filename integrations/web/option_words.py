"""An integration's options said in plain words, as a club manager reads them."""

from __future__ import annotations

from integrations.models import Integration
from integrations.models.choices import DataKind, Direction


def prospect_extras(integration: Integration) -> list[str]:
    platform = integration.platform
    extras = []
    if integration.staff_owner and platform.has_staff:
        extras.append("staff owner")
    if integration.lead_source and platform.has_lead_sources:
        extras.append("lead source")
    return extras


def describe_data(integration: Integration) -> str:
    """'prospects with staff owner', 'members', 'prospects (with lead source) and members'."""
    extras = " and ".join(prospect_extras(integration))
    if integration.data == DataKind.MEMBERS:
        return "members"
    if integration.data == DataKind.PROSPECTS:
        return f"prospects with {extras}" if extras else "prospects"
    return f"prospects (with {extras}) and members" if extras else "prospects and members"


def describe_flow(integration: Integration, counterpart: str) -> str:
    """'InTouch → Acme: prospects with staff owner', the platform on the right."""
    name = integration.platform.name
    flows: dict[str, str] = {
        Direction.SEND: f"{name} → {counterpart}",
        Direction.RECEIVE: f"{counterpart} → {name}",
    }
    flow = flows.get(integration.direction, f"{name} ↔ {counterpart}")
    return f"{flow}: {describe_data(integration)}"


def counterpart_name(integration: Integration, primary: Integration | None) -> str:
    """Who is on the other side: the primary platform (InTouch), or the other platforms."""
    if primary is None:
        return "the Connector"
    if primary.pk == integration.pk:
        return "the other platforms"
    return primary.platform.name
