"""Matching's look-up of a batch walks the partial (client, column) indexes, value by value,
on PostgreSQL, even on a table never analyzed (this server runs without autovacuum): a query
that did not say the index's condition read the whole table once per value (seen: minutes of
PostgreSQL CPU for one batch)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.db import people as db_people
from integrations.models import Member, Prospect
from tests.factories import ClientFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The plan is PostgreSQL's."
)


def _plan(model, values) -> str:
    """The plan of the statement people_holding runs for `values`."""
    with CaptureQueriesContext(connection) as ran:
        db_people.people_holding(model=model, client_id="club-p", values=values)
    [statement] = [q["sql"] for q in ran.captured_queries if "jsonb_array_elements" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Prospect, Member])
def test_every_look_up_probes_its_index_and_never_scans_the_records(model):
    club = ClientFactory(id="club-p")
    model.objects.bulk_create([
        model(client=club, first_name="Ana", last_name=f"Lopez{i}", name_key=f"ana lopez{i}",
              email=f"ana{i}@example.com", phone=f"+1212555{i:04d}",
              birth_date=dt.date(1990, 1, 1 + i % 28))
        for i in range(2000)
    ])
    plan = _plan(model, {
        "email": {"ana7@example.com"}, "phone": {"+12125550007"},
        "name_key": {"ana lopez7", "lopez7 ana"},
    })
    table = model._meta.db_table
    assert "Seq Scan" not in plan, plan
    for column in ("email", "phone", "name"):
        assert f"{table.removeprefix('integrations_')}_match_{column}" in plan, plan
