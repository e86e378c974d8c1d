"""Schemathesis against /api/v1/schema/: no 5xx, answers conform, negative data rejected.

The schema is loaded from the app itself (WSGI, in process), so what is checked is what the
API really serves. Bounded (a few examples per operation) to keep the suite fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from connector_portal.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# Loaded once at collection, from the app itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.update(parameters={"client_id": "club-a"})
# The key is sent by the test itself, not generated (nor left out) by Schemathesis.
schema.config.generation.update(max_examples=15, with_security_parameters=False)
# The coverage phase's exhaustive boundary cases take minutes; examples and fuzzing (positive
# and negative) stay.
schema.config.phases.coverage.enabled = False


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The app is called straight through WSGI: like Django's test client, keep request
    # signals from closing the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _setting(settings):
    settings.CONNECTOR_API_RATE = "1000000/min"
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, sender, receiver, sender_key):
    checks = CHECKS
    if case.operation.path.endswith("/batch"):
        # The contract: one bad record does not stop the others; it comes back as a
        # per-record "error" result in a 200. Only a malformed batch is rejected whole.
        checks = [check for check in CHECKS if check is not negative_data_rejection]
    case.call_and_validate(headers={"Authorization": f"Bearer {sender_key}"}, checks=checks)
