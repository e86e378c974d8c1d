"""Staff and lead-source rosters: PUT the full list, GET it with each mapping."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from integrations.api import body_schema as b
from integrations.api.base import PartnerApi, keyset_page
from integrations.api.problems import ValidationProblem
from integrations.api.schema import CLIENT_ID, CURSOR, LIMIT, READ_ERRORS, WRITE_ERRORS, errors
from integrations.records.rosters import LEAD_SOURCE_FIELDS, STAFF_FIELDS, roster_entries
from mappings.models import MappingStatus, RemoteLeadSource, RemoteStaff
from mappings.services.rosters import lead_source_roster_replace, staff_roster_replace

MAX_STAFF = 10_000
MAX_LEAD_SOURCES = 10_000


class StaffInSerializer(serializers.Serializer):
    # Names and email may be null, as on records: null is stored as empty (STAFF_FIELDS).
    external_id = b.field(b.EXTERNAL_ID, required=True, help_text=b.EXTERNAL_ID_WORDS)
    first_name = b.field(b.text(100), null=True)
    last_name = b.field(b.text(100), null=True)
    email = b.field(b.or_blank(b.EMAIL), null=True)
    active = serializers.BooleanField(required=False, default=True)


UNIQUE_WORDS = "At most {most:,}, no external_id twice (a 400 otherwise, nothing stored)."


class StaffRosterInSerializer(serializers.Serializer):
    staff = StaffInSerializer(  # type: ignore[call-arg]
        many=True, max_length=MAX_STAFF, help_text=UNIQUE_WORDS.format(most=MAX_STAFF)
    )


class LeadSourceInSerializer(serializers.Serializer):
    external_id = b.field(b.EXTERNAL_ID, required=True, help_text=b.EXTERNAL_ID_WORDS)
    name = b.field(b.nonblank(100), required=True)
    active = serializers.BooleanField(required=False, default=True)


class LeadSourceRosterInSerializer(serializers.Serializer):
    lead_sources = LeadSourceInSerializer(  # type: ignore[call-arg]
        many=True, max_length=MAX_LEAD_SOURCES, help_text=UNIQUE_WORDS.format(most=MAX_LEAD_SOURCES)
    )


class RosterCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deactivated = serializers.IntegerField()


class StaffMappingOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MappingStatus.choices)
    method = serializers.CharField(allow_null=True)
    person_id = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True, min_value=0, max_value=1)


class StaffOutSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    mapping = StaffMappingOutSerializer()


class StaffPageSerializer(serializers.Serializer):
    results = StaffOutSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class LeadSourceMappingOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MappingStatus.choices)
    method = serializers.CharField(allow_null=True)
    lead_source_id = serializers.CharField(allow_null=True)
    lead_source_name = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True, min_value=0, max_value=1)


class LeadSourceOutSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    name = serializers.CharField()
    active = serializers.BooleanField()
    mapping = LeadSourceMappingOutSerializer()


class LeadSourcePageSerializer(serializers.Serializer):
    results = LeadSourceOutSerializer(many=True)
    next = serializers.URLField(allow_null=True)


def _roster_items(data: Any, key: str, limit: int) -> list:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ValidationProblem(
            f'The body must be {{"{key}": [...]}}.',
            errors=[{"field": key, "message": "A list is required."}],
        )
    if len(data[key]) > limit:
        raise ValidationProblem(
            f"At most {limit} entries.", errors=[{"field": key, "message": f"At most {limit}."}]
        )
    return data[key]


def roster_validate(data: Any, *, key: str, limit: int, fields: dict) -> list[dict]:
    """Every entry normalized, or a 400 listing every bad field and duplicate."""
    entries, problems = roster_entries(_roster_items(data, key, limit), key=key, fields=fields)
    if problems:
        raise ValidationProblem("See errors for each invalid field.", errors=problems)
    return entries


def staff_render(remote: RemoteStaff) -> dict:
    mapping = getattr(remote, "mapping", None)
    return {
        "external_id": remote.external_id,
        "first_name": remote.first_name,
        "last_name": remote.last_name,
        "email": remote.email,
        "active": remote.active,
        "mapping": {
            "status": mapping.status if mapping else "unmatched",
            "method": (mapping.method or None) if mapping else None,
            "person_id": str(mapping.person_id) if mapping and mapping.person_id else None,
            "score": mapping.score if mapping else None,
        },
    }


def lead_source_render(remote: RemoteLeadSource) -> dict:
    mapping = getattr(remote, "mapping", None)
    source = mapping.lead_source if mapping else None
    return {
        "external_id": remote.external_id,
        "name": remote.name,
        "active": remote.active,
        "mapping": {
            "status": mapping.status if mapping else "unmatched",
            "method": (mapping.method or None) if mapping else None,
            "lead_source_id": str(source.pk) if source else None,
            "lead_source_name": source.name if source else None,
            "score": mapping.score if mapping else None,
        },
    }


STAFF_PAGE_EXAMPLE = OpenApiExample(
    "Staff with mappings",
    value={
        "results": [
            {
                "external_id": "E42",
                "first_name": "Sam",
                "last_name": "Ortiz",
                "email": "sam@club.com",
                "active": True,
                "mapping": {
                    "status": "matched",
                    "method": "email",
                    "person_id": "17",
                    "score": 1.0,
                },
            }
        ],
        "next": None,
    },
    response_only=True,
    status_codes=["200"],
)
LEAD_SOURCE_PAGE_EXAMPLE = OpenApiExample(
    "Lead sources with mappings",
    value={
        "results": [
            {
                "external_id": "LS7",
                "name": "Facebook ad",
                "active": True,
                "mapping": {
                    "status": "needs_review",
                    "method": "fuzzy",
                    "lead_source_id": None,
                    "lead_source_name": None,
                    "score": 0.86,
                },
            }
        ],
        "next": None,
    },
    response_only=True,
    status_codes=["200"],
)
COUNTS_EXAMPLE = OpenApiExample(
    "Counts",
    value={"received": 2, "created": 1, "updated": 0, "unchanged": 1, "deactivated": 3},
    response_only=True,
    status_codes=["200"],
)


class StaffListApi(PartnerApi):
    @extend_schema(
        operation_id="staff_list",
        summary="Your staff for this client, with each one's mapping",
        tags=["Staff and lead sources"],
        parameters=[CLIENT_ID, LIMIT, CURSOR],
        responses={200: StaffPageSerializer, **errors(*READ_ERRORS)},
        examples=[STAFF_PAGE_EXAMPLE],
    )
    def get(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        staff = RemoteStaff.objects.filter(integration=integration).select_related("mapping")
        rows, next_url = keyset_page(request, staff)
        return Response({"results": [staff_render(r) for r in rows], "next": next_url})


class StaffReplaceApi(PartnerApi):
    @extend_schema(
        operation_id="staff_replace",
        summary="Replace your full staff list (missing ones become inactive)",
        tags=["Staff and lead sources"],
        parameters=[CLIENT_ID],
        request=StaffRosterInSerializer,
        responses={200: RosterCountsSerializer, **errors(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Staff",
                value={
                    "staff": [
                        {
                            "external_id": "E42",
                            "first_name": "Sam",
                            "last_name": "Ortiz",
                            "email": "sam@club.com",
                            "active": True,
                        }
                    ]
                },
                request_only=True,
            ),
            COUNTS_EXAMPLE,
        ],
    )
    def put(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        staff = roster_validate(request.data, key="staff", limit=MAX_STAFF, fields=STAFF_FIELDS)
        return Response(staff_roster_replace(integration=integration, staff=staff))


class StaffRosterApi(StaffListApi, StaffReplaceApi):
    pass


class LeadSourceListApi(PartnerApi):
    @extend_schema(
        operation_id="lead_source_list",
        summary="Your lead sources for this client, with each one's mapping",
        tags=["Staff and lead sources"],
        parameters=[CLIENT_ID, LIMIT, CURSOR],
        responses={200: LeadSourcePageSerializer, **errors(*READ_ERRORS)},
        examples=[LEAD_SOURCE_PAGE_EXAMPLE],
    )
    def get(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        sources = RemoteLeadSource.objects.filter(integration=integration).select_related(
            "mapping__lead_source"
        )
        rows, next_url = keyset_page(request, sources)
        return Response({"results": [lead_source_render(r) for r in rows], "next": next_url})


class LeadSourceReplaceApi(PartnerApi):
    @extend_schema(
        operation_id="lead_source_replace",
        summary="Replace your full lead-source list (missing ones become inactive)",
        tags=["Staff and lead sources"],
        parameters=[CLIENT_ID],
        request=LeadSourceRosterInSerializer,
        responses={200: RosterCountsSerializer, **errors(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Lead sources",
                value={"lead_sources": [{"external_id": "LS7", "name": "Facebook ad"}]},
                request_only=True,
            ),
            COUNTS_EXAMPLE,
        ],
    )
    def put(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        sources = roster_validate(
            request.data, key="lead_sources", limit=MAX_LEAD_SOURCES, fields=LEAD_SOURCE_FIELDS
        )
        counts = lead_source_roster_replace(integration=integration, lead_sources=sources)
        return Response(counts)


class LeadSourceRosterApi(LeadSourceListApi, LeadSourceReplaceApi):
    pass
