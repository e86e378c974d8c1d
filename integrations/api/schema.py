"""OpenAPI helpers: the bearer security scheme and the problem+json error responses."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from integrations.api.problems import PROBLEM_CONTENT_TYPE
from integrations.api.serializers import ProblemSerializer


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
    400: "Invalid request: every invalid field is listed in `errors`.",
    401: "Missing, invalid or revoked API key.",
    403: "Not allowed by the integration options (`option` says which).",
    404: "No such client for this partner (or no such record).",
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
    "external_id", str, OpenApiParameter.PATH, description="Your id for the record (1-100)."
)
LIMIT = OpenApiParameter(
    "limit", int, OpenApiParameter.QUERY, required=False, description="1-1000, default 100."
)
CURSOR = OpenApiParameter(
    "cursor", str, OpenApiParameter.QUERY, required=False, description="From `next`."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying with the same key returns the first answer (kept 24 h).",
)
