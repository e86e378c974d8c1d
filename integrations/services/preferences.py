"""A club's time zone and a person's issue emails, as the club's settings page changes them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from integrations.models import Client, User
from integrations.models.clients import time_zone_validator
from integrations.models.logs import audit_record


@transaction.atomic
def client_time_zone_set(*, client: Client, time_zone: str, acting_user: Any) -> Client:
    """Set the club's time zone (its pages, log and emails); raises ValidationError."""
    time_zone_validator(time_zone)
    if time_zone == client.time_zone:
        return client
    old = client.time_zone
    client.time_zone = time_zone
    client.save(update_fields=["time_zone"])
    audit_record(actor=acting_user, action="client.time_zone", target=client, client=client,
                 old={"time_zone": old}, new={"time_zone": time_zone})
    return client


def user_issue_emails_set(*, user: User, wanted: bool) -> User:
    """Whether this person gets emails about issues (opened, lasting, the daily digest)."""
    if user.issue_emails != wanted:
        user.issue_emails = wanted
        user.save(update_fields=["issue_emails"])
    return user
