"""Prospects and members: PUT upsert, GET, POST batch (partner-api.md, "Sending data")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response

from integrations.api import serializers as s
from integrations.api.base import PartnerApi, require_kind, require_sends
from integrations.api.idempotency import idempotent_response
from integrations.api.problems import Conflict, ReferenceNotFound, ValidationProblem
from integrations.api.schema import (
    CLIENT_ID,
    EXTERNAL_ID,
    IDEMPOTENCY_KEY,
    POST_ERRORS,
    READ_ERRORS,
    STORED_EXTERNAL_ID,
    VALIDATION_EXAMPLE,
    WRITE_ERRORS,
    errors,
)
from integrations.models import ExternalLink
from integrations.monitoring.metrics import ingest_counted
from integrations.records.normalize import record_normalize
from integrations.records.render import records_render
from integrations.records.values import external_id_problem
from integrations.services.erasure import record_erase
from integrations.sync.inbound.ingest import records_ingest

MAX_BATCH = s.MAX_BATCH
PROSPECT_EXAMPLE = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "email": "ana@example.com",
    "phone": "+12125551234",
    "staff_owner": {"external_id": "E42", "email": "sam@club.com", "name": "Sam Ortiz"},
    "lead_source": {"external_id": "LS7", "name": "Facebook ad"},
    "updated_at": "2026-11-26T10:00:00Z",
}
MEMBER_EXAMPLE = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "email": "ana@example.com",
    "membership_number": "M-1001",
    "membership_type": "Monthly",
    "status": "active",
    "join_date": "2026-11-20",
    "prospect_external_id": "P-1001",
    "updated_at": "2026-11-26T10:00:00Z",
}


def _external_id_check(external_id: str, *, stored: bool = False) -> None:
    problem = external_id_problem(external_id, stored=stored)
    if problem:
        raise ValidationProblem(
            "Invalid external_id.", errors=[{"field": "external_id", "message": problem}]
        )


def _linked_record(integration: Any, kind: str, external_id: str) -> Any:
    """The record this partner knows by `external_id`; 404 when there is none. Any id a
    record may have been stored with is looked up (one from before the rule too)."""
    _external_id_check(external_id, stored=True)
    link = (
        ExternalLink.objects.select_related(kind)
        .filter(integration=integration, kind=kind, external_id=external_id)
        .first()
    )
    if link is None:
        raise exceptions.NotFound(f"No {kind} with external_id '{external_id}'.")
    return getattr(link, kind)


class RecordUpsertApi(PartnerApi):
    """PUT .../{kind}s/{external_id}: create (201) or update (200) one record."""

    kind = "prospect"

    def put(self, request, client_id: str, external_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_sends(integration, self.kind)
        _external_id_check(external_id)
        record, problems = record_normalize(
            kind=self.kind, data=request.data, external_id=external_id
        )
        if problems:
            raise ValidationProblem("See errors for each invalid field.", errors=problems)
        [result] = records_ingest(integration=integration, kind=self.kind, records=[record])
        ingest_counted(kind=self.kind, statuses=[result.status], batch=False)
        if result.status == "error":
            problem = {"conflict": Conflict, "not_found": ReferenceNotFound}.get(
                result.code, ValidationProblem
            )
            raise problem("The record was not stored.", errors=result.errors)
        [body] = records_render(integration=integration, kind=self.kind, records=[result.record])
        if result.matched:
            body["matched"] = result.matched
        return Response(body, status=201 if result.status == "created" else 200)


class RecordDetailApi(PartnerApi):
    """GET .../{kind}s/{external_id}: the stored record, in this partner's ids."""

    kind = "prospect"

    def get(self, request, client_id: str, external_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_kind(integration, self.kind)
        record = _linked_record(integration, self.kind, external_id)
        [body] = records_render(integration=integration, kind=self.kind, records=[record])
        return Response(body)


class RecordEraseApi(PartnerApi):
    """DELETE .../{kind}s/{external_id}: erase the person everywhere (204)."""

    kind = "prospect"

    def delete(self, request, client_id: str, external_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_kind(integration, self.kind)
        record = _linked_record(integration, self.kind, external_id)
        record_erase(record=record, requested_by=integration)
        return Response(status=204)


class RecordBatchApi(PartnerApi):
    """POST .../{kind}s/batch: up to 500 records, one result each, in order."""

    kind = "prospect"

    def post(self, request, client_id: str) -> Response:
        integration = self.integration_get(client_id)
        require_sends(integration, self.kind)
        return idempotent_response(request, lambda: self.batch_run(integration, request.data))

    def batch_run(self, integration: Any, data: Any) -> tuple[int, dict]:
        records = batch_records(data)
        results: list[dict | None] = [None] * len(records)
        valid: list[tuple[int, dict]] = []
        region = settings.CONNECTOR_DEFAULT_PHONE_REGION
        for index, raw in enumerate(records):
            record, problems = record_normalize(kind=self.kind, data=raw, phone_region=region)
            if problems:
                ext = raw.get("external_id") if isinstance(raw, dict) else None
                results[index] = {
                    # Echoed only when it is a valid id (it may be stored, as JSON, for replay).
                    "external_id": None if external_id_problem(ext) else ext,
                    "status": "error",
                    "id": None,
                    "errors": problems,
                }
            else:
                valid.append((index, record))
        ingested = records_ingest(
            integration=integration, kind=self.kind, records=[r for _, r in valid]
        )
        for (index, _), result in zip(valid, ingested, strict=True):
            results[index] = {
                "external_id": result.external_id,
                "status": result.status,
                "id": str(result.id) if result.id else None,
                "errors": [{"field": e["field"], "message": e["message"]} for e in found]
                if (found := result.errors)
                else [],
                **({"matched": result.matched} if result.matched else {}),
            }
        ingest_counted(kind=self.kind, statuses=[r["status"] for r in results if r], batch=True)
        return 200, {"results": results}


def batch_records(data: Any) -> list:
    """The batch's records; 400 for the whole request when it is malformed or has duplicates."""
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise ValidationProblem(
            'The body must be {"records": [...]}.',
            errors=[{"field": "records", "message": "A list of records is required."}],
        )
    records = data["records"]
    if len(records) > MAX_BATCH:
        raise ValidationProblem(
            f"At most {MAX_BATCH} records per batch; nothing was stored.",
            errors=[{"field": "records", "message": f"At most {MAX_BATCH} records."}],
        )
    seen: dict[str, int] = {}
    duplicates = []
    for index, raw in enumerate(records):
        ext = raw.get("external_id") if isinstance(raw, dict) else None
        if isinstance(ext, str):
            if ext in seen:
                duplicates.append(
                    {
                        "field": f"records[{index}].external_id",
                        "message": f"Same external_id as records[{seen[ext]}].",
                    }
                )
            seen.setdefault(ext, index)
    if duplicates:
        raise ValidationProblem(
            "Duplicate external_id in the batch; nothing was stored.", errors=duplicates
        )
    return records


def _upsert_schema(kind: str, body: type, out: type, example: dict) -> Any:
    return extend_schema(
        operation_id=f"{kind}_upsert",
        summary=f"Create or update a {kind}",
        description=f"Creates (201) or updates (200) the {kind} with your external_id.",
        tags=[f"{kind.capitalize()}s"],
        parameters=[CLIENT_ID, EXTERNAL_ID],
        request=body,
        responses={201: out, 200: out, **errors(*WRITE_ERRORS, 409)},
        examples=[
            OpenApiExample(f"A {kind}", value=example, request_only=True),
            VALIDATION_EXAMPLE,
        ],
    )


def _detail_schema(kind: str, out: type, example: dict) -> Any:
    stored = {
        "id": "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5",
        "external_id": "P-1001",
        **example,
        "updated_at": "2026-11-26T10:00:00+00:00",
        "created_at": "2026-11-26T10:00:01+00:00",
        "version": 1,
    }
    return extend_schema(
        operation_id=f"{kind}_detail",
        summary=f"Get a {kind} by your external_id",
        description=f"The stored {kind}, in your ids.",
        tags=[f"{kind.capitalize()}s"],
        parameters=[CLIENT_ID, STORED_EXTERNAL_ID],
        responses={200: out, **errors(*READ_ERRORS)},
        examples=[
            OpenApiExample(
                f"A stored {kind}", value=stored, response_only=True, status_codes=["200"]
            )
        ],
    )


def _erase_schema(kind: str) -> Any:
    return extend_schema(
        operation_id=f"{kind}_erase",
        summary=f"Erase a {kind} everywhere",
        description=(
            f"Erases the person this {kind} is (right to be forgotten): the Connector keeps "
            "nothing about them, and every other platform that holds them is told with a "
            f"`{kind}.erased` event (feed and webhooks: `data` has only `id` and your "
            "platform's `external_id`). Your external_id is forgotten too: a later PUT with it "
            "creates a new record."
        ),
        tags=[f"{kind.capitalize()}s"],
        parameters=[CLIENT_ID, STORED_EXTERNAL_ID],
        request=None,
        responses={204: None, **errors(*READ_ERRORS)},
    )


def _batch_schema(kind: str, request: type, example: dict) -> Any:
    results = {
        "results": [
            {
                "external_id": "P-1001",
                "status": "created",
                "id": "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5",
                "errors": [],
            }
        ]
    }
    return extend_schema(
        operation_id=f"{kind}_batch",
        summary=f"Create or update up to {MAX_BATCH} {kind}s",
        description="One result per record, in request order; one bad record stops no other.",
        tags=[f"{kind.capitalize()}s"],
        parameters=[CLIENT_ID, IDEMPOTENCY_KEY],
        request=request,
        responses={200: s.BatchResponseSerializer, **errors(*POST_ERRORS)},
        examples=[
            OpenApiExample(
                "A batch",
                value={"records": [{"external_id": "P-1001", **example}]},
                request_only=True,
            ),
            OpenApiExample(
                "Per-record results", value=results, response_only=True, status_codes=["200"]
            ),
        ],
    )


@extend_schema_view(
    put=_upsert_schema("prospect", s.ProspectBodySerializer, s.ProspectOutSerializer,
                       PROSPECT_EXAMPLE)
)
class ProspectUpsertApi(RecordUpsertApi):
    kind = "prospect"


@extend_schema_view(get=_detail_schema("prospect", s.ProspectOutSerializer, PROSPECT_EXAMPLE))
class ProspectDetailApi(RecordDetailApi):
    kind = "prospect"


@extend_schema_view(delete=_erase_schema("prospect"))
class ProspectEraseApi(RecordEraseApi):
    kind = "prospect"


class ProspectItemApi(ProspectDetailApi, ProspectUpsertApi, ProspectEraseApi):
    """.../prospects/{external_id}: GET, PUT and DELETE."""


@extend_schema_view(
    post=_batch_schema("prospect", s.ProspectBatchRequestSerializer, PROSPECT_EXAMPLE)
)
class ProspectBatchApi(RecordBatchApi):
    kind = "prospect"


@extend_schema_view(
    put=_upsert_schema("member", s.MemberBodySerializer, s.MemberOutSerializer, MEMBER_EXAMPLE)
)
class MemberUpsertApi(RecordUpsertApi):
    kind = "member"


@extend_schema_view(get=_detail_schema("member", s.MemberOutSerializer, MEMBER_EXAMPLE))
class MemberDetailApi(RecordDetailApi):
    kind = "member"


@extend_schema_view(delete=_erase_schema("member"))
class MemberEraseApi(RecordEraseApi):
    kind = "member"


class MemberItemApi(MemberDetailApi, MemberUpsertApi, MemberEraseApi):
    """.../members/{external_id}: GET, PUT and DELETE."""


@extend_schema_view(post=_batch_schema("member", s.MemberBatchRequestSerializer, MEMBER_EXAMPLE))
class MemberBatchApi(RecordBatchApi):
    kind = "member"
