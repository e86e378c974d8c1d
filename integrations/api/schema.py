"""OpenAPI helpers: the bearer security scheme and the problem+json error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from integrations.api import body_schema as b
from integrations.api.base import DEFAULT_LIMIT, MAX_LIMIT
from integrations.api.problems import PROBLEM_CONTENT_TYPE
from integrations.api.serializers import ProblemSerializer
from integrations.records.values import END


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.auth.ApiKeyAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner API key: `Authorization: Bearer cpk_...`.",
        }


ERROR_WORDS = {
    400: "Invalid request: every invalid field, parameter or header is listed in `errors`.",
    401: "Missing, invalid or revoked API key.",
    403: "Not allowed by the integration options (`option` says which).",
    404: "No such client for this partner, or no such record (in the URL, or one the body "
    "names: `errors` says which field).",
    405: "Method not allowed.",
    406: "Not acceptable: this API answers JSON.",
    409: "Conflict.",
    410: "The cursor is older than the events kept (30 days): start again from `start_cursor`.",
    413: "Request body too large.",
    415: "Send `Content-Type: application/json`.",
    422: "Idempotency-Key reused with another body.",
    429: "Too many requests: wait `Retry-After` seconds.",
}
READ_ERRORS = (400, 401, 403, 404, 405, 406, 429)
WRITE_ERRORS = (*READ_ERRORS, 413, 415)
POST_ERRORS = (*WRITE_ERRORS, 409, 422)

VALIDATION_EXAMPLE = OpenApiExample(
    "Invalid fields",
    value={
        "type": "urn:connector:problem:validation-error",
        "title": "The request has invalid fields",
        "status": 400,
        "detail": "See errors for each invalid field.",
        "errors": [{"field": "email", "message": "Enter a valid email address."}],
    },
    response_only=True,
    status_codes=["400"],
)


def errors(*codes: int) -> dict:
    """spectacular `responses` entries for these error statuses, as problem+json."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description=ERROR_WORDS[code]
        )
        for code in codes
    }


CLIENT_ID = OpenApiParameter(
    "client_id", str, OpenApiParameter.PATH, description="The Connector's id for the client."
)
EXTERNAL_ID = OpenApiParameter(
    "external_id", b.EXTERNAL_ID, OpenApiParameter.PATH, description=b.EXTERNAL_ID_WORDS
)
# Reading and erasing: by any id a record may be stored under (one from before the rule too).
STORED_EXTERNAL_ID = OpenApiParameter(
    "external_id", b.STORED_EXTERNAL_ID, OpenApiParameter.PATH,
    description="Your id for the record (1-100 characters).",
)
LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    OpenApiParameter.QUERY,
    required=False,
    description=f"1-{MAX_LIMIT}, default {DEFAULT_LIMIT}: 400 otherwise.",
)
CURSOR = OpenApiParameter(
    "cursor", b.PAGE_CURSOR, OpenApiParameter.QUERY, required=False,
    description="Opaque: from `next`, as it is. Any other value is a 400.",
)
AFTER = OpenApiParameter(
    "after", b.FEED_CURSOR, OpenApiParameter.QUERY, required=False,
    description="The last `next_cursor` you processed, as it is; none for the oldest kept. "
    "Any other value is a 400; one older than the events kept, a 410.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+" + END},
    OpenApiParameter.HEADER,
    required=False,
    description="1-255 visible ASCII characters (400 otherwise). Retrying with the same key "
    "and the same JSON (whatever its spacing or key order) returns the first answer (kept "
    "24 h); with another body, 422; while the first still runs, 409.",
)


def bodies_required(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Every request body of the partner API is required (POSTPROCESSING_HOOKS): a PUT
    without one is a 400, though no field of it is required alone."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
