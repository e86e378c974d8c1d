"""The errors of outbound calls: each says whether trying again can help."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class OutboundError(Exception):
    """A call out failed; `permanent` says whether trying again can help."""

    permanent = False

    def __init__(self, message: str, *, host: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.status = status

    def __str__(self) -> str:
        return self.message


class UrlNotAllowed(OutboundError, ValidationError):  # type: ignore[misc]  # one message
    """The URL or an address its host resolves to is not allowed (also a ValidationError)."""

    permanent = True


class OutboundTimeout(OutboundError):
    """No connection or no answer in time."""

    def __init__(self, message: str, *, host: str = "", seconds: float = 0.0, phase: str = "read"):
        super().__init__(message, host=host)
        self.seconds = seconds
        self.phase = phase


class OutboundConnectionError(OutboundError):
    """The host could not be reached or dropped the connection; `reason` in plain words."""

    def __init__(self, message: str, *, host: str = "", reason: str = "") -> None:
        super().__init__(message, host=host)
        self.reason = reason


class RedirectRefused(OutboundError):
    """The server answered with a redirect; redirects are never followed."""

    permanent = True


class ResponseTooLarge(OutboundError):
    """The answer was bigger than the cap; reading stopped there."""

    permanent = True
