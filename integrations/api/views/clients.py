"""Clients this partner is integrated with (partner-api.md, "Clients and options")."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.base import PartnerApi, keyset_page
from integrations.api.schema import CLIENT_ID, CURSOR, LIMIT, READ_ERRORS, errors
from integrations.models import Integration

CLIENT_EXAMPLE = {
    "id": "club-a",
    "name": "Club A",
    "integration": {
        "direction": "both",
        "data": "prospects",
        "staff_owner": True,
        "lead_source": True,
        "enabled": True,
    },
}


class IntegrationOptionsSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["send", "receive", "both"])
    data = serializers.ChoiceField(choices=["prospects", "members", "both"])  # type: ignore[assignment]
    staff_owner = serializers.BooleanField()
    lead_source = serializers.BooleanField()
    enabled = serializers.BooleanField()


class ClientOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    integration = IntegrationOptionsSerializer()


class ClientPageSerializer(serializers.Serializer):
    results = ClientOutSerializer(many=True)
    next = serializers.URLField(allow_null=True)


def client_render(integration: Integration) -> dict:
    return {
        "id": integration.client_id,
        "name": integration.client.name,
        "integration": {
            "direction": integration.direction,
            "data": integration.data,
            "staff_owner": integration.staff_owner,
            "lead_source": integration.lead_source,
            "enabled": integration.enabled,
        },
    }


class ClientListApi(PartnerApi):
    @extend_schema(
        operation_id="client_list",
        summary="The clients you are integrated with",
        tags=["Clients"],
        parameters=[LIMIT, CURSOR],
        responses={200: ClientPageSerializer, **errors(*READ_ERRORS)},
        examples=[
            OpenApiExample(
                "Clients",
                value={"results": [CLIENT_EXAMPLE], "next": None},
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
    def get(self, request) -> Response:
        integrations = Integration.objects.select_related("client").filter(
            platform=request.auth.platform_id
        )
        rows, next_url = keyset_page(request, integrations)
        return Response({"results": [client_render(i) for i in rows], "next": next_url})


class ClientDetailApi(PartnerApi):
    @extend_schema(
        operation_id="client_detail",
        summary="One client and your integration's options",
        tags=["Clients"],
        parameters=[CLIENT_ID],
        responses={200: ClientOutSerializer, **errors(*READ_ERRORS)},
        examples=[
            OpenApiExample(
                "A client", value=CLIENT_EXAMPLE, response_only=True, status_codes=["200"]
            )
        ],
    )
    def get(self, request, client_id: str) -> Response:
        return Response(client_render(self.integration_get(client_id)))


@extend_schema(exclude=True)
class NotFoundApi(APIView):
    """Any other path under /api/v1/: a problem+json 404 rather than an HTML page."""

    authentication_classes: list = []
    permission_classes: list = []

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs, self.request = args, kwargs, self.initialize_request(request)
        self.headers = self.default_response_headers
        try:
            raise exceptions.NotFound("No such endpoint.")
        except exceptions.NotFound as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(self.request, response, *args, **kwargs)
        return self.response
