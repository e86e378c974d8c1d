"""Writes behind the partner API's receiving side: id links and webhook endpoints."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from integrations.models import ExternalLink, Integration, Member, Prospect, WebhookEndpoint
from integrations.models.logs import audit_record
from integrations.outbound import validate_saved_url
from integrations.sync.inbound.routing import feed_switch_lock
from integrations.webhooks.signing import generate_secret


class LinkConflict(Exception):
    """The external id or the record is already linked to something else."""


class RecordNotFound(LookupError):
    """No record of that kind with that Connector id for this client."""


@transaction.atomic
def external_link_create(
    *, integration: Integration, kind: str, connector_id: uuid.UUID, external_id: str
) -> tuple[ExternalLink, bool]:
    """Link a partner's id to a Connector record; (link, created). Raises LinkConflict."""
    model = Prospect if kind == "prospect" else Member
    fk = f"{kind}_id"
    if not model.objects.filter(client_id=integration.client_id, pk=connector_id).exists():
        raise RecordNotFound(f"No {kind} with Connector id {connector_id}.")
    links = ExternalLink.objects.filter(integration=integration, kind=kind)
    existing = links.filter(external_id=external_id).first()
    if existing is not None:
        if getattr(existing, fk) == connector_id:
            return existing, False
        raise LinkConflict(f"external_id '{external_id}' is linked to another record.")
    other = links.filter(**{fk: connector_id}).first()
    if other is not None:
        raise LinkConflict(f"That record is already linked to external_id '{other.external_id}'.")
    try:
        with transaction.atomic():
            link = ExternalLink.objects.create(
                integration=integration, kind=kind, external_id=external_id, **{fk: connector_id}
            )
    except IntegrityError as exc:  # a concurrent link won
        raise LinkConflict("The id or the record was linked concurrently.") from exc
    return link, True


@transaction.atomic
def webhook_register(*, integration: Integration, url: str) -> tuple[WebhookEndpoint, str]:
    """Set the webhook URL with a new signing secret; returns it (shown once).

    Raises integrations.outbound.UrlNotAllowed (a ValidationError) for an unsafe URL.
    """
    validate_saved_url(url)
    feed_switch_lock(integration_id=integration.pk)  # from here on, events go to the webhook
    secret = generate_secret()
    endpoint, created = WebhookEndpoint.objects.update_or_create(
        integration=integration, defaults={"url": url, "secret": secret, "active": True}
    )
    audit_record(
        actor=None,
        action="webhook.register" if created else "webhook.update",
        target=endpoint,
        client=integration.client_id,
        new={"url": url},
    )
    return endpoint, secret


@transaction.atomic
def webhook_remove(*, integration: Integration) -> bool:
    """Stop webhook deliveries (the endpoint row is kept, inactive); False if there was none."""
    feed_switch_lock(integration_id=integration.pk)  # from here on, events go to the feed
    endpoint = WebhookEndpoint.objects.filter(integration=integration, active=True).first()
    if endpoint is None:
        return False
    endpoint.active = False
    endpoint.save(update_fields=["active", "updated_at"])
    audit_record(actor=None, action="webhook.remove", target=endpoint, client=integration.client_id)
    return True
