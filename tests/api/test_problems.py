"""Exceptions the problem handler turns into answers, and the ones it must not hide."""

from __future__ import annotations

from integrations.api.problems import problem_exception_handler
from integrations.models import Integration
from integrations.sync.inbound.ingest import SenderGone


def test_an_integration_deleted_while_its_batch_ran_is_a_404():
    response = problem_exception_handler(SenderGone("This integration was deleted."), {})
    assert response.status_code == 404
    assert response.data["detail"] == "No such client."


def test_any_other_missing_integration_is_a_server_error_not_a_404():
    """A lookup bug elsewhere must not pass for 'no such client'."""
    response = problem_exception_handler(Integration.DoesNotExist(), {})
    assert response.status_code == 500


def test_a_batch_for_a_deleted_integration_answers_404(api, sender, club, monkeypatch):
    from integrations.api.views import records

    def gone(**kwargs):
        raise SenderGone("This integration was deleted.")

    monkeypatch.setattr(records, "records_ingest", gone)
    response = api.post(
        f"/api/v1/clients/{club.pk}/prospects/batch",
        {"records": [{"external_id": "P1", "first_name": "A", "last_name": "B"}]},
        format="json",
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
