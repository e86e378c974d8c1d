"""References a sender repeats in its own ids are not changes (no echo of owner or source)."""

from __future__ import annotations

from integrations.db.ingest import links_by_external_id
from integrations.models import Integration, Member, Prospect
from integrations.records.translate import TranslateItem, records_translate


def refs_drop_unchanged(
    *,
    integration: Integration,
    kind: str,
    bodies: list[dict],
    links: dict | None = None,
    stored: dict | None = None,
) -> None:
    """Leave out an owner / lead source that is the stored one in the sender's own terms.

    A platform sends back the owner the Connector gave it, as its own staff id: the same
    person, so not a change. Left out, ingest keeps the stored value and nothing is echoed.
    Set-based: one query for the links, then the translation's fixed number. Ingest, which
    has already loaded them, passes `links` ({external_id: record id}) and `stored`
    ({record id: record}) so they are not queried twice.
    """
    if links is None:
        links = links_by_external_id(
            integration_id=integration.pk,
            kind=kind,
            external_ids=[body["external_id"] for body in bodies],
        )
    if not links:
        return
    if stored is None:
        model = Prospect if kind == "prospect" else Member
        stored = model.objects.in_bulk(set(links.values()))
    else:
        stored = {pk: stored[pk] for pk in set(links.values()) if pk in stored}
    items = [
        TranslateItem(record_id=r.pk, staff_owner_id=r.staff_owner_id,
                      lead_source_id=r.lead_source_id)
        for r in stored.values()
    ]
    translated = {
        t.record_id: t for t in records_translate(integration=integration, kind=kind, items=items)
    }
    for body in bodies:
        record_id = links.get(body["external_id"])
        t = translated.get(record_id) if record_id else None
        if t is None:
            continue
        if _same_ref(body.get("staff_owner"), t.owner.staff_owner):
            body.pop("staff_owner", None)
        if _same_ref(body.get("lead_source"), t.lead_source.lead_source):
            body.pop("lead_source", None)


def _same_ref(incoming: dict | None, stored: dict | None) -> bool:
    incoming_id = (incoming or {}).get("external_id")
    return bool(incoming_id) and incoming_id == (stored or {}).get("external_id")
