"""The release hook: flags pending work, and calls the sync engine after commit when present."""

from __future__ import annotations

import sys
import types

import pytest

from mappings.models import StaffMapping
from mappings.services.hooks import mapping_changed
from tests.factories import RemoteStaffFactory


@pytest.fixture
def mapping(db):
    return RemoteStaffFactory().mapping


def test_calls_staff_mapping_made_after_commit(
    mapping, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    fake = types.ModuleType("integrations.sync.release")
    fake.staff_mapping_made = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "integrations.sync.release", fake)
    with django_capture_on_commit_callbacks(execute=True):
        mapping_changed(
            integration_id=mapping.integration_id, remote_staff_ids=[mapping.remote_id] * 2
        )
        assert calls == []  # not before the commit
    assert calls == [
        {"integration_id": mapping.integration_id, "remote_staff_ids": [mapping.remote_id]}
    ]
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is True


def test_without_the_sync_engine_the_work_stays_flagged(mapping, monkeypatch):
    monkeypatch.setattr("mappings.services.hooks._release_hook", lambda: None)
    mapping_changed(integration_id=mapping.integration_id, remote_staff_ids=[mapping.remote_id])
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is True


def test_nothing_to_do_for_no_ids(mapping):
    mapping_changed(integration_id=mapping.integration_id, remote_staff_ids=[])
    assert StaffMapping.objects.get(pk=mapping.pk).pending_release is False
