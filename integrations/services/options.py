"""Changing an integration's options and connection, as a client user does on its page."""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from integrations.adapters import adapter_for
from integrations.adapters.base import ConnectionResult
from integrations.crypto import DecryptionError
from integrations.models import Integration
from integrations.models.choices import Mode, UnmatchedOwner
from integrations.models.logs import audit_record, log_write
from integrations.models.matching import ReviewPolicy
from integrations.outbound import validate_saved_url
from integrations.services.launch import (
    IntegrationOptions,
    integration_set_credentials,
    validate_options,
)
from integrations.sync.delivery.credentials import credentials_changed, credentials_work

logger = logging.getLogger(__name__)

OPTION_FIELDS = (
    "direction",
    "data",
    "staff_owner",
    "lead_source",
    "unmatched_owner",
    "default_staff",
    "prospect_review",
    "member_review",
    "enabled",
)
REVIEW_OPTIONS = ("prospect_review", "member_review")
DEFAULT_TEST_TIMEOUT = 10.0


def _current_options(integration: Integration) -> IntegrationOptions:
    return IntegrationOptions(
        direction=integration.direction,
        data=integration.data,
        staff_owner=integration.staff_owner,
        lead_source=integration.lead_source,
        mode=integration.mode,
        base_url=integration.base_url,
        enabled=integration.enabled,
        unmatched_owner=integration.unmatched_owner,
    )


def _default_staff_error(integration: Integration, policy: str, staff: Any) -> str | None:
    if policy != UnmatchedOwner.DEFAULT_STAFF:
        return None
    if staff is None:
        return f"Choose the {integration.platform.name} staff who receives these leads."
    if staff.integration_id != integration.pk or not staff.active:
        return f"Choose an active staff of {integration.platform.name}."
    return None


def _options_errors(integration: Integration, new: dict[str, Any]) -> dict[str, str]:
    unknown = set(new) - set(OPTION_FIELDS)
    if unknown:
        return {"__all__": f"Unknown options: {', '.join(sorted(unknown))}."}
    fields = {k: v for k, v in new.items() if k not in ("default_staff", *REVIEW_OPTIONS)}
    options = replace(_current_options(integration), **fields)
    errors = validate_options(options, integration.platform)
    for name in REVIEW_OPTIONS:
        if name in new and new[name] not in ReviewPolicy.values:
            errors[name] = "Choose to hold the record or to send it as a new person."
    if options.unmatched_owner != UnmatchedOwner.SEND_WITHOUT_OWNER and not (
        integration.platform.has_staff
    ):
        errors["unmatched_owner"] = f"{integration.platform.name} has no staff."
    staff = new.get("default_staff", integration.default_staff)
    staff_error = _default_staff_error(integration, options.unmatched_owner, staff)
    if staff_error and "unmatched_owner" not in errors:
        errors["default_staff"] = staff_error
    return errors


def _option_value(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def integration_options_update(
    *, integration: Integration, acting_user: Any, **options: Any
) -> Integration:
    """Change the options of product.md §1; raises ValidationError with a message per field."""
    errors = _options_errors(integration, options)
    if errors:
        raise ValidationError(errors)
    if options.get("unmatched_owner", integration.unmatched_owner) != UnmatchedOwner.DEFAULT_STAFF:
        options["default_staff"] = None
    old, new = {}, {}
    for name, value in options.items():
        current = getattr(integration, name)
        if _option_value(current) != _option_value(value):
            old[name], new[name] = _option_value(current), _option_value(value)
            setattr(integration, name, value)
    if not new:
        return integration
    integration.save(update_fields=[*new, "updated_at"])
    audit_record(
        actor=acting_user,
        action="integration.options_update",
        target=integration,
        client=integration.client_id,
        old=old,
        new=new,
    )
    log_write(
        client_id=integration.client_id,
        integration_id=integration.pk,
        level="info",
        summary=f"Options for {integration.platform.name} changed by {acting_user}.",
        detail="Changed: " + ", ".join(name.replace("_", " ") for name in new) + ".",
    )
    return integration


@transaction.atomic
def integration_connection_update(
    *, integration: Integration, acting_user: Any, base_url: str, credentials: str = ""
) -> Integration:
    """Set the base URL and, when given, replace the credentials; raises ValidationError."""
    if integration.mode != Mode.API:
        raise ValidationError({"base_url": "This integration does not call the platform."})
    base_url = base_url.strip()
    try:
        validate_saved_url(base_url)
    except ValidationError as exc:
        raise ValidationError({"base_url": exc.messages}) from exc
    changed = []
    if base_url != integration.base_url:
        integration.base_url = base_url
        changed.append("base_url")
    if credentials:
        integration_set_credentials(integration=integration, credentials=credentials)
        changed += ["credentials", "credentials_hint"]
    if not changed:
        return integration
    integration.save(update_fields=[*changed, "updated_at"])
    # Deliveries that waited for working credentials (or for the old address) try again now.
    transaction.on_commit(lambda: credentials_changed(integration=integration))
    audit_record(
        actor=acting_user,
        action="integration.connection_update",
        target=integration,
        client=integration.client_id,
        # Never the secret itself: only the fact that it was replaced.
        new={"base_url": base_url, "credentials": "replaced" if credentials else "kept"},
    )
    return integration


def _test_result(integration: Integration, timeout: float, base_url: str, token: str
                 ) -> ConnectionResult:
    # The adapter (and the decrypted token) is made here, in the request's thread: the worker
    # thread below only speaks HTTP, never the database.
    try:
        adapter = adapter_for(integration, base_url=base_url, token=token)
    except DecryptionError:
        return ConnectionResult(False, "The saved token cannot be read any more: enter it again.")
    # A hard deadline on top of the adapter's own timeouts: a platform that trickles bytes
    # slowly never keeps the club manager waiting longer than `timeout`.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(adapter.test_connection)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        unit = "second" if timeout == 1 else "seconds"
        return ConnectionResult(
            False,
            f"The platform at {base_url} did not answer within {timeout:g} {unit}.",
        )
    except Exception:
        logger.exception("connection test of integration %s failed", integration.pk)
        return ConnectionResult(
            False,
            "The connection test could not run. Support staff have been told; "
            "please try again later.",
        )
    finally:
        pool.shutdown(wait=False)


def integration_connection_test(
    *, integration: Integration, acting_user: Any, base_url: str | None = None,
    credentials: str = "",
) -> ConnectionResult:
    """Call the platform with the address and token typed (the saved ones where none is
    given), saving nothing: the live sync goes on with the saved ones. The result in plain
    words. When the saved ones work, deliveries that waited for them go now."""
    if integration.mode != Mode.API:
        return ConnectionResult(False, "This integration does not call the platform.")
    url = (base_url if base_url is not None else integration.base_url).strip()
    if not url:
        return ConnectionResult(False, "Enter the platform's address first.")
    try:
        validate_saved_url(url)
    except ValidationError as exc:
        return ConnectionResult(False, " ".join(exc.messages))
    timeout = float(getattr(settings, "CONNECTOR_TEST_CONNECTION_TIMEOUT", DEFAULT_TEST_TIMEOUT))
    result = _test_result(integration, timeout, url, credentials)
    saved = not credentials and url == integration.base_url
    what = "the saved address and token" if saved else "an address and token not yet saved"
    log_write(
        client_id=integration.client_id,
        integration_id=integration.pk,
        level="info" if result.ok else "warning",
        summary=f"Connection test of {integration.platform.name}: {result.message}",
        detail=f"Tested by {acting_user}, with {what}.",
    )
    if result.ok and saved:
        credentials_work(integration=integration)
    return result
