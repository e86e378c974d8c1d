"""Receiving data: the change feed, id links and the webhook endpoint."""

from __future__ import annotations

import uuid
from typing import cast

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from integrations.api import body_schema as b
from integrations.api.base import PartnerApi, limit_param, require_kind, require_receives
from integrations.api.idempotency import idempotent_response
from integrations.api.problems import (
    Conflict,
    CursorTooOld,
    ReferenceNotFound,
    ValidationProblem,
)
from integrations.api.schema import (
    AFTER,
    CLIENT_ID,
    IDEMPOTENCY_KEY,
    LIMIT,
    POST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    errors,
)
from integrations.api.services import (
    LinkConflict,
    RecordNotFound,
    external_link_create,
    webhook_register,
    webhook_remove,
)
from integrations.outbound import UrlNotAllowed
from integrations.records.values import external_id_problem
from integrations.sync.delivery.feed import CursorError, CursorExpired, feed_page

EVENT_EXAMPLE = {
    "id": "evt_1042",
    "type": "prospect.created",
    "occurred_at": "2026-11-26T10:00:01Z",
    "client_id": "club-a",
    "data": {
        "id": "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5",
        "external_id": None,
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana@example.com",
        "phone": "+12125551234",
        "birth_date": None,
        "gender": "",
        "address": {},
        "notes": "",
        "staff_owner": {"external_id": "u-7", "email": "sam@club.com", "name": "Sam Ortiz"},
        "lead_source": {"external_id": None, "name": "Facebook ad"},
    },
}


class EventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="evt_...: unique and stable; drop duplicates by it.")
    type = serializers.ChoiceField(
        choices=[
            "prospect.created", "prospect.updated", "prospect.erased",
            "member.created", "member.updated", "member.erased",
        ],
        help_text="`.erased`: the person was erased; `data` has only `id` and `external_id`.",
    )
    occurred_at = serializers.DateTimeField()
    client_id = serializers.CharField()
    data = serializers.DictField(  # type: ignore[assignment]  # the contract's name
        help_text="The record: id, external_id (yours or null), its fields, staff_owner and "
        "lead_source in your ids."
    )


class ChangePageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as `after` next time.")


class LinkSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["prospect", "member"])
    connector_id = b.field(
        b.UUID, required=True, help_text="The Connector's record (404 if there is none)."
    )
    external_id = b.field(b.EXTERNAL_ID, required=True, help_text=b.EXTERNAL_ID_WORDS)


class WebhookInSerializer(serializers.Serializer):
    url = b.field(
        b.HTTPS_URL, required=True,
        help_text="An https URL of at most 500 characters whose host is a public address "
        "(never private, loopback or link-local, after DNS resolution), with no user name or "
        "password: a field error otherwise.",
    )


class WebhookOutSerializer(serializers.Serializer):
    url = serializers.URLField()
    secret = serializers.CharField(help_text="whsec_...: shown once; verify signatures with it.")


class ChangeListApi(PartnerApi):
    @extend_schema(
        operation_id="change_list",
        summary="Changes routed to you, oldest first",
        tags=["Receiving"],
        parameters=[
            CLIENT_ID,
            LIMIT,
            AFTER,
        ],
        responses={200: ChangePageSerializer, **errors(*READ_ERRORS, 410)},
        examples=[
            OpenApiExample(
                "Events",
                value={"results": [EVENT_EXAMPLE], "next_cursor": "YzEuNzQ1LjEwNDI"},
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
    def get(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_receives(integration)
        limit = limit_param(request)
        try:
            events, cursor = feed_page(
                integration=integration, after=request.query_params.get("after"), limit=limit
            )
        except CursorExpired as exc:
            raise CursorTooOld(
                str(exc), extra={"start_cursor": exc.start_cursor},
                errors=[{"field": "after", "message": "Older than the events kept (30 days)."}],
            ) from exc
        except CursorError as exc:
            raise ValidationProblem(
                "Invalid cursor.", errors=[{"field": "after", "message": str(exc)}]
            ) from exc
        return Response({"results": events, "next_cursor": cursor})


def link_validate(data: object) -> tuple[str, uuid.UUID, str]:
    problems = []
    if not isinstance(data, dict):
        raise ValidationProblem("The body must be an object.", errors=[])
    kind = data.get("type")
    if kind not in ("prospect", "member"):
        problems.append({"field": "type", "message": "Choose prospect or member."})
    connector_id = None
    try:
        connector_id = uuid.UUID(data.get("connector_id") or "")
    except (ValueError, TypeError, AttributeError):
        problems.append({"field": "connector_id", "message": "Must be a Connector id (a UUID)."})
    external_id = data.get("external_id")
    problem = external_id_problem(external_id)
    if problem:
        problems.append({"field": "external_id", "message": problem})
    if problems:
        raise ValidationProblem("See errors for each invalid field.", errors=problems)
    return cast(str, kind), cast(uuid.UUID, connector_id), cast(str, external_id)


class LinkCreateApi(PartnerApi):
    @extend_schema(
        operation_id="link_create",
        summary="Tell the Connector your id for a record it sent you",
        tags=["Receiving"],
        parameters=[CLIENT_ID, IDEMPOTENCY_KEY],
        request=LinkSerializer,
        responses={200: LinkSerializer, **errors(*POST_ERRORS)},
        examples=[
            OpenApiExample(
                "A link",
                value={
                    "type": "prospect",
                    "connector_id": "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5",
                    "external_id": "P-1001",
                },
            )
        ],
    )
    def post(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_receives(integration)
        return idempotent_response(request, lambda: self.link(integration, request.data))

    def link(self, integration, data) -> tuple[int, dict]:
        kind, connector_id, external_id = link_validate(data)
        require_kind(integration, kind)
        try:
            external_link_create(
                integration=integration,
                kind=kind,
                connector_id=connector_id,
                external_id=external_id,
            )
        except RecordNotFound as exc:
            raise ReferenceNotFound(
                str(exc), errors=[{"field": "connector_id", "message": str(exc)}]
            ) from exc
        except LinkConflict as exc:
            raise Conflict(
                str(exc), errors=[{"field": "external_id", "message": str(exc)}]
            ) from exc
        body = {"type": kind, "connector_id": str(connector_id), "external_id": external_id}
        return 200, body


class WebhookRegisterApi(PartnerApi):
    @extend_schema(
        operation_id="webhook_register",
        summary="Receive your changes by signed webhook at this URL",
        tags=["Receiving"],
        parameters=[CLIENT_ID],
        request=WebhookInSerializer,
        responses={200: WebhookOutSerializer, **errors(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "A URL", value={"url": "https://partner.example/hooks"}, request_only=True
            ),
            OpenApiExample(
                "The secret",
                value={
                    "url": "https://partner.example/hooks",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def put(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_receives(integration)
        data = request.data
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url or len(url) > 500:
            raise ValidationProblem(
                "A URL is required.",
                errors=[{"field": "url", "message": "An https URL of at most 500 characters."}],
            )
        try:
            endpoint, secret = webhook_register(integration=integration, url=url)
        except UrlNotAllowed as exc:
            raise ValidationProblem(
                "This URL is not allowed.", errors=[{"field": "url", "message": exc.message}]
            ) from exc
        return Response({"url": endpoint.url, "secret": secret})


class WebhookDeleteApi(PartnerApi):
    @extend_schema(
        operation_id="webhook_delete",
        summary="Stop webhook deliveries",
        tags=["Receiving"],
        parameters=[CLIENT_ID],
        responses={204: None, **errors(*READ_ERRORS)},
    )
    def delete(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_receives(integration)
        webhook_remove(integration=integration)
        return Response(status=204)


class WebhookApi(WebhookRegisterApi, WebhookDeleteApi):
    pass
