"""Launching clients: platforms, clients, integrations, partner API keys and client users."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import ApiKey, Client, Integration, Platform, User
from integrations.models.choices import DataKind, Direction, Mode, UnmatchedOwner
from integrations.models.logs import audit_record
from integrations.outbound import UrlNotAllowed, validate_saved_url

API_KEY_PREFIX = "cpk_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def platform_add(
    *,
    slug: str,
    name: str,
    adapter: str = "rest",
    can_create_lead_sources: bool = False,
    acting_user: Any = None,
) -> Platform:
    """Create a platform; raises ValidationError for a taken slug or bad values."""
    if Platform.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A platform with slug '{slug}' already exists."})
    platform = Platform(
        slug=slug, name=name, adapter=adapter, can_create_lead_sources=can_create_lead_sources
    )
    platform.full_clean()
    platform.save()
    audit_record(actor=acting_user, action="platform.add", target=platform, new={"slug": slug})
    return platform


@transaction.atomic
def client_launch(*, client_id: str, name: str, acting_user: Any = None) -> Client:
    """Create a client; raises ValidationError for a taken or malformed id."""
    if Client.objects.filter(pk=client_id).exists():
        raise ValidationError({"id": f"A client with id '{client_id}' already exists."})
    client = Client(id=client_id, name=name)
    client.full_clean()
    client.save()
    audit_record(actor=acting_user, action="client.launch", target=client, client=client)
    return client


@dataclass(frozen=True)
class IntegrationOptions:
    direction: str
    data: str
    staff_owner: bool = False
    lead_source: bool = False
    is_primary: bool = False
    mode: str = Mode.PUSH
    base_url: str = ""
    credentials: str = ""
    enabled: bool = True
    unmatched_owner: str = UnmatchedOwner.SEND_WITHOUT_OWNER


def validate_options(options: IntegrationOptions, platform: Platform) -> dict[str, str]:
    """Every problem with a set of integration options, by field (empty when they are fine)."""
    errors: dict[str, str] = {}
    if options.direction not in Direction.values:
        errors["direction"] = f"Choose one of {', '.join(Direction.values)}."
    if options.data not in DataKind.values:
        errors["data"] = f"Choose one of {', '.join(DataKind.values)}."
    if options.data == DataKind.MEMBERS and (options.staff_owner or options.lead_source):
        errors["staff_owner" if options.staff_owner else "lead_source"] = (
            "Staff owner and lead source are prospect extras: include prospects to use them."
        )
    if options.lead_source and not platform.has_lead_sources:
        errors["lead_source"] = f"{platform.name} has no lead sources."
    if options.staff_owner and not platform.has_staff:
        errors["staff_owner"] = f"{platform.name} has no staff."
    if options.mode not in Mode.values:
        errors["mode"] = f"Choose one of {', '.join(Mode.values)}."
    if options.mode == Mode.API and not options.base_url:
        errors["base_url"] = "An integration in api mode needs the platform's base URL."
    elif options.base_url:
        try:
            validate_saved_url(options.base_url)
        except UrlNotAllowed as exc:
            errors["base_url"] = exc.message
    if options.unmatched_owner not in UnmatchedOwner.values:
        errors["unmatched_owner"] = f"Choose one of {', '.join(UnmatchedOwner.values)}."
    return errors


@transaction.atomic
def integration_create(
    *, client: Client, platform: Platform, options: IntegrationOptions, acting_user: Any = None
) -> Integration:
    """Connect a client to a platform; raises ValidationError listing every bad option."""
    errors = validate_options(options, platform)
    if Integration.objects.filter(client=client, platform=platform).exists():
        errors["platform"] = f"{client.id} already has an integration with {platform.name}."
    if options.is_primary and Integration.objects.filter(client=client, is_primary=True).exists():
        errors["is_primary"] = f"{client.id} already has a primary integration."
    if errors:
        raise ValidationError(errors)
    integration = Integration(
        client=client,
        platform=platform,
        direction=options.direction,
        data=options.data,
        staff_owner=options.staff_owner,
        lead_source=options.lead_source,
        is_primary=options.is_primary,
        mode=options.mode,
        base_url=options.base_url,
        enabled=options.enabled,
        unmatched_owner=options.unmatched_owner,
    )
    integration_set_credentials(integration=integration, credentials=options.credentials)
    integration.full_clean(exclude=["default_staff"])
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError as exc:
        raise ValidationError({"__all__": f"The database refused the integration: {exc}"}) from exc
    audit_record(
        actor=acting_user,
        action="integration.create",
        target=integration,
        client=client,
        new={"platform": platform.slug, "direction": options.direction, "data": options.data},
    )
    return integration


def integration_set_credentials(*, integration: Integration, credentials: str) -> None:
    """Set the secret on the object (saved encrypted); only its last 4 characters are kept clear."""
    integration.credentials = credentials
    integration.credentials_hint = credentials[-4:] if len(credentials) >= 8 else ""


@transaction.atomic
def api_key_issue(
    *, platform: Platform, name: str = "", acting_user: Any = None
) -> tuple[ApiKey, str]:
    """Create a partner API key; returns the row and the raw key, which is never stored."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        platform=platform, name=name, prefix=raw_key[:12], hashed_key=hash_api_key(raw_key)
    )
    audit_record(actor=acting_user, action="api_key.issue", target=api_key)
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, acting_user: Any = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(actor=acting_user, action="api_key.revoke", target=api_key)
    return api_key


@transaction.atomic
def client_user_add(*, client: Client, email: str, password: str, acting_user: Any = None) -> User:
    """Create a client user; raises ValidationError for a taken email or a weak password."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if User.objects.filter(email=email).exists():
        errors["email"] = [f"A user with email {email} already exists."]
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(email=email, password=password, client=client)
    audit_record(actor=acting_user, action="client_user.add", target=user, client=client)
    return user
