"""What every partner API view shares: auth, throttling, body limit, tenant scope, options."""

from __future__ import annotations

import base64
import binascii
import re
import sys
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from rest_framework import exceptions
from rest_framework.views import APIView

from integrations.api.auth import ApiKeyAuthentication, ApiKeyThrottle, HasApiKey
from integrations.api.problems import OptionNotAllowed, PayloadTooLarge, ValidationProblem
from integrations.db.api import integration_of
from integrations.models import ApiKey, Integration

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
KIND_WORDS = {"prospect": "prospects", "member": "members"}


class PartnerApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyThrottle]

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        body_size_check(request)

    def integration_get(self, client_id: str) -> Integration:
        """The caller's integration with this client; 404 when there is none."""
        integration = None
        if CLIENT_ID_RE.match(client_id):
            key = cast(ApiKey, self.request.auth)  # HasApiKey let only a key through
            integration = integration_of(client_id=client_id, platform=key.platform)
        if integration is None:
            raise exceptions.NotFound("No such client.")
        return integration


def body_size_check(request) -> None:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE (DRF itself would read any size),
    whether it declares its length or comes in chunks."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is not None and length > limit:
        raise PayloadTooLarge(f"The request body is over {limit} bytes.")
    chunked = _chunked_body_unwrap(request._request, limit)
    try:
        body = request._request.body  # Django reads one byte past the limit, and stops there
    except RequestDataTooBig as exc:
        raise PayloadTooLarge(f"The request body is over {limit} bytes.") from exc
    if chunked:
        request.META["CONTENT_LENGTH"] = str(len(body))  # DRF reads only a declared length


def _chunked_body_unwrap(django_request: Any, limit: int | None) -> bool:
    """A body sent in chunks (`Transfer-Encoding: chunked`, no Content-Length; the server has
    joined them) is read from the server's own stream, at most a byte past the limit: Django
    reads a body only as far as the Content-Length says, so it was read as empty. Returns
    whether it was such a body."""
    meta = django_request.META
    encoding = meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if meta.get("CONTENT_LENGTH") or "chunked" not in encoding:
        return False
    most = sys.maxsize if limit is None else limit + 1
    django_request._stream = LimitedStream(meta["wsgi.input"], most)
    return True


def require_sends(integration: Integration, kind: str) -> None:
    """403 naming the option when this integration may not send `kind` records."""
    words = KIND_WORDS[kind]
    if not integration.sends:
        raise OptionNotAllowed(
            option="direction",
            detail=f"This integration's direction is '{integration.direction}': "
            f"it does not send {words} to the Connector.",
        )
    require_kind(integration, kind)
    if not integration.enabled:
        raise OptionNotAllowed(option="enabled", detail="This integration is paused.")


def require_kind(integration: Integration, kind: str) -> None:
    if not integration.includes(kind):
        raise OptionNotAllowed(
            option="data",
            detail=f"This integration's data is '{integration.data}': "
            f"{KIND_WORDS[kind]} are not included.",
        )


def require_receives(integration: Integration) -> None:
    if not integration.receives:
        raise OptionNotAllowed(
            option="direction",
            detail=f"This integration's direction is '{integration.direction}': "
            "it does not receive data from the Connector.",
        )


def ascii_digits(text: str) -> bool:
    """Only 0-9 (`str.isdigit` also takes '²', which `int` refuses, and `int` takes '٣')."""
    return text.isascii() and text.isdigit()


def limit_param(request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not ascii_digits(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationProblem(
            "Invalid limit.",
            errors=[{"field": "limit", "message": f"An integer from 1 to {MAX_LIMIT}."}],
        )
    return int(raw)


def page_cursor_decode(request) -> int:
    raw = request.query_params.get("cursor")
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        tag, _, value = text.partition(".")
        if tag != "p1" or not ascii_digits(value) or int(value) >= 2**63:
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationProblem(
            "Invalid cursor.", errors=[{"field": "cursor", "message": "Not a cursor we gave."}]
        ) from exc


def page_next_url(request, rows: list, limit: int) -> str | None:
    if len(rows) <= limit:
        return None
    cursor = base64.urlsafe_b64encode(f"p1.{rows[limit - 1].pk}".encode()).decode().rstrip("=")
    query = request.query_params.copy()
    query["cursor"] = cursor
    query["limit"] = str(limit)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def keyset_page(request, queryset) -> tuple[list, str | None]:
    """One page of `queryset` by primary key: (rows, next URL or None)."""
    limit = limit_param(request)
    after = page_cursor_decode(request)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    return rows[:limit], page_next_url(request, rows, limit)
