"""A change's snapshot is stored as written (`json` on PostgreSQL) and read back whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from integrations.models import Change
from integrations.sync.inbound.ingest import records_ingest

pytestmark = pytest.mark.django_db


def test_the_snapshot_column_is_json_not_jsonb_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores JSON as text either way.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = 'data'",
            [Change._meta.db_table],
        )
        assert cursor.fetchone() == ("json",)


def test_a_snapshot_written_by_ingest_reads_back_as_it_was_made(sender, receiver):
    records = [
        {
            "external_id": "P1",
            "first_name": "Zoë",
            "last_name": 'O\'Brien "Jr"',
            "email": "zoe@example.com",
            "birth_date": dt.date(1990, 2, 28),
            "address": {"city": "Cork", "country": "IE"},
            "notes": "line\nbreak \\ and ünïcode",
        }
    ]
    [result] = records_ingest(integration=sender, kind="prospect", records=records)
    change = Change.objects.get(record_id=result.id)
    fields = change.data["fields"]
    assert fields["first_name"] == "Zoë"
    assert fields["last_name"] == 'O\'Brien "Jr"'
    assert fields["birth_date"] == "1990-02-28"
    assert fields["address"] == {"city": "Cork", "country": "IE"}
    assert fields["notes"] == "line\nbreak \\ and ünïcode"
    assert change.data["version"] == 1


def test_a_snapshot_saved_through_the_orm_reads_back_equal(sender):
    data = {"reason": "older than stored", "stored": "2026-11-26T10:00:00+00:00", "n": [1, None]}
    change = Change.objects.create(
        client_id=sender.client_id,
        kind="prospect",
        record_id="00000000-0000-7000-8000-000000000001",
        event_type="prospect.ignored",
        data=data,
    )
    change.refresh_from_db()
    assert change.data == data
    assert Change.objects.filter(pk=change.pk).values_list("data", flat=True).get() == data
