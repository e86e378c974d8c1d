"""The release hook: flags pending work, and calls the listeners after commit."""

from __future__ import annotations

import pytest

from integrations.sync.delivery.release import staff_mapping_made
from mappings.models import StaffMapping
from mappings.services import hooks
from mappings.services.hooks import mapping_changed
from tests.factories import RemoteStaffFactory


@pytest.fixture
def mapping(db):
    return RemoteStaffFactory().mapping


def test_calls_staff_mapping_made_after_commit(
    mapping, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(hooks, "_listeners", [lambda **kwargs: calls.append(kwargs)])
    with django_capture_on_commit_callbacks(execute=True):
        mapping_changed(
            integration_id=mapping.integration_id, remote_staff_ids=[mapping.remote_id] * 2
        )
        assert calls == []  # not before the commit
    assert calls == [
        {"integration_id": mapping.integration_id, "remote_staff_ids": [mapping.remote_id]}
    ]
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is True


def test_the_sync_engine_listens_from_start_up():
    assert hooks._listeners == [staff_mapping_made]


def test_without_a_listener_the_work_stays_flagged(mapping, monkeypatch):
    monkeypatch.setattr(hooks, "_listeners", [])
    mapping_changed(integration_id=mapping.integration_id, remote_staff_ids=[mapping.remote_id])
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is True


def test_nothing_to_do_for_no_ids(mapping):
    mapping_changed(integration_id=mapping.integration_id, remote_staff_ids=[])
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is False
