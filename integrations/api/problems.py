"""RFC 9457 problem details for every error of the partner API.

`problem_exception_handler` is DRF's EXCEPTION_HANDLER: whatever goes wrong in a partner API
view answers `application/problem+json` with `{"type", "title", "status", "detail",
"errors": [{"field", "message"}]}` (every invalid field listed), keeping DRF's
`WWW-Authenticate` and `Retry-After` headers.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from integrations.sync.inbound.ingest import SenderGone

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:connector:problem:"


class Problem(exceptions.APIException):
    """An API error with a problem type, field errors and extension members."""

    slug = "error"
    title = "Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.errors = [{"field": e["field"], "message": e["message"]} for e in errors or []]
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class ValidationProblem(Problem):
    status_code = status.HTTP_400_BAD_REQUEST
    slug = "validation-error"
    title = "The request has invalid fields"


class OptionNotAllowed(Problem):
    """The integration's options do not include what the partner sent or asked for."""

    status_code = status.HTTP_403_FORBIDDEN
    slug = "option-not-allowed"
    title = "Not allowed by the integration options"

    def __init__(self, *, option: str, detail: str) -> None:
        super().__init__(
            detail, errors=[{"field": option, "message": detail}], extra={"option": option}
        )


class ReferenceNotFound(Problem):
    """A record the body names (by Connector id or the partner's id) does not exist: as a
    missing record in the URL, 404, with the field that names it."""

    status_code = status.HTTP_404_NOT_FOUND
    slug = "reference-not-found"
    title = "A record the request names does not exist"


class Conflict(Problem):
    status_code = status.HTTP_409_CONFLICT
    slug = "conflict"
    title = "Conflict"


class CursorTooOld(Problem):
    status_code = status.HTTP_410_GONE
    slug = "cursor-expired"
    title = "The cursor is older than the events kept"


class PayloadTooLarge(Problem):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    slug = "payload-too-large"
    title = "Request body too large"


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "detail") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix or "body", "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += _flatten(item, f"{prefix}[{index}]")
        return out
    return [{"field": prefix or "body", "message": str(detail)}]


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge("The request body is larger than this API accepts.")
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, SenderGone):  # the caller's integration was deleted meanwhile
        return exceptions.NotFound("No such client.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RecursionError | UnicodeError):
        return exceptions.ParseError("The body could not be read as JSON.")
    return None


def problem_response(exc: exceptions.APIException, headers: dict[str, str]) -> Response:
    code = exc.status_code
    errors = getattr(exc, "errors", None)
    if errors is None and isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    detail = exc.detail if isinstance(exc.detail, str) else "See errors for each invalid field."
    slug = getattr(exc, "slug", None)
    body = {
        "type": f"{TYPE_BASE}{slug}" if slug else "about:blank",
        "title": getattr(exc, "title", None) or _title(code),
        "status": code,
        "detail": str(detail),
        "errors": errors or [],
        **getattr(exc, "extra", {}),
    }
    return Response(body, status=code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _title(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def problem_exception_handler(exc: Exception, context: dict) -> Response:
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        logger.exception("Unexpected error in the partner API", exc_info=exc)
        api_exc = Problem("Something went wrong on our side.", status_code=500)
        api_exc.slug, api_exc.title = "server-error", "Internal error"
    headers: dict[str, str] = {}
    if auth_header := getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(api_exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return problem_response(api_exc, headers)
