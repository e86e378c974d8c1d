"""Shared helpers for the launch commands: one-line errors, lookups that fail cleanly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from integrations.models import Client, Platform


def one_line(error: ValidationError) -> str:
    """A ValidationError as one line: 'field: message; field: message'."""
    if hasattr(error, "error_dict"):
        parts = []
        for field, errors in error.message_dict.items():
            text = " ".join(errors)
            parts.append(text if field == "__all__" else f"{field}: {text}")
        return "; ".join(parts)
    return " ".join(error.messages)


def get_client(client_id: str) -> Client:
    try:
        return Client.objects.get(pk=client_id)
    except Client.DoesNotExist:
        raise CommandError(f"Unknown client '{client_id}'.") from None


def get_platform(slug: str) -> Platform:
    try:
        return Platform.objects.get(slug=slug)
    except Platform.DoesNotExist:
        raise CommandError(f"Unknown platform '{slug}'.") from None
