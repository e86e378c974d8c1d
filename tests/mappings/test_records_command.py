"""`manage.py match_records_files EXISTING.csv INCOMING.csv`."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.mappings.conftest import manage

HEADER = "external_id,first_name,last_name,email,phone,birth_date\n"
OUTPUT = ["incoming_external_id", "status", "existing_external_id", "score", "reason"]


def write(tmp_path, name, body, header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(header + body, encoding=encoding)
    return str(path)


def run(*args):
    out = io.StringIO()
    call_command("match_records_files", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


EXISTING = (
    "E1,John,Smith,smiths@example.com,(212) 555-0100,1970-01-02\n"
    "E2,Mary,Smith,smiths@example.com,(212) 555-0100,1972-05-06\n"
    "E3,Robert,Berg,rob.berg@example.com,,\n"
    "E4,Anna,Lund,,,\n"
)
INCOMING = (
    "I1,MARY,SMITH, Smiths@Example.com ,+1 212 555 0100,1972-05-06\n"
    "I2,John,Smith Jr,smiths@example.com,2125550100,2009-03-03\n"
    "I3,Bob,Berg,rob.berg@example.com,,\n"
    "I4,Anna,Lund,,,\n"
    "I5,Zed,Nobody,zed@example.com,,\n"
)


def test_prints_one_row_per_incoming_record(tmp_path):
    rows = run(write(tmp_path, "e.csv", EXISTING), write(tmp_path, "i.csv", INCOMING))
    assert list(rows[0]) == OUTPUT
    got = {r["incoming_external_id"]: r for r in rows}
    assert list(got) == ["I1", "I2", "I3", "I4", "I5"]
    assert (got["I1"]["status"], got["I1"]["existing_external_id"]) == ("matched", "E2")
    assert got["I1"]["reason"].startswith("same full name; same email")
    assert got["I2"]["status"] != "matched"  # a junior is not his father
    assert (got["I3"]["status"], got["I3"]["existing_external_id"]) == ("matched", "E3")
    assert (got["I4"]["status"], got["I4"]["existing_external_id"]) == ("needs_review", "E4")
    assert float(got["I4"]["score"]) < 0.95
    assert (got["I5"]["status"], got["I5"]["existing_external_id"], got["I5"]["score"]) == (
        "new",
        "",
        "",
    )


def test_a_bom_other_column_order_and_empty_columns_are_fine(tmp_path):
    header = "\ufeffBirth_Date,External_ID,email,first_name,last_name,phone,notes\n"
    existing = write(tmp_path, "e.csv", "1990-04-01,E1,anna@x.com,Anna,Berg,,vip\n\n", header)
    incoming = write(tmp_path, "i.csv", ",I1,ANNA@X.COM,anna,berg,,\n,I2,,,,,\n", header)
    got = {r["incoming_external_id"]: r for r in run(existing, incoming)}
    assert (got["I1"]["status"], got["I1"]["existing_external_id"]) == ("matched", "E1")
    assert got["I2"]["status"] == "new"


def test_phones_are_read_in_the_region(tmp_path):
    existing = write(tmp_path, "e.csv", "E1,Ana,Berg,,+447911123456,\n")
    incoming = write(tmp_path, "i.csv", "I1,Ana,Berg,,07911 123456,\n")
    assert run(existing, incoming, "--region", "GB")[0]["status"] == "matched"
    assert run(existing, incoming, "--region", "US")[0]["status"] == "needs_review"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("E1,Anna,Berg,,,\nE2,Carl\n", "e.csv:3: expected 6 fields, found 2"),
        ("E1,Anna,Berg,,,01/04/1990\n", "e.csv:2: birth_date must be YYYY-MM-DD, not '01/04/1990'"),
        ("E1,Anna,Berg,,,19900401\n", "e.csv:2: birth_date must be YYYY-MM-DD"),
        ("E1,Anna,Berg,,,1990-02-30\n", "e.csv:2: birth_date must be YYYY-MM-DD"),
        ("E1,Anna,Berg,,,\nE1,Carl,Dahl,,,\n", "e.csv:3: external_id 'E1' appears twice"),
        (" ,Anna,Berg,,,\n", "e.csv:2: external_id is empty"),
        ('E1,"Anna,Berg,,,\n', "e.csv:"),
    ],
)
def test_malformed_rows_are_rejected_with_the_line(tmp_path, body, message):
    incoming = write(tmp_path, "i.csv", "")
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, "e.csv", body), incoming)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("external_id,first_name,last_name,email\n", "i.csv:1: missing columns: phone, birth_date"),
        ("id,name\n", "i.csv:1: missing columns: external_id, first_name"),
        (HEADER.strip() + ",email\n", "i.csv:1: columns named twice: email"),
        ("", "i.csv:1: the file is empty"),
    ],
)
def test_header_problems_are_rejected(tmp_path, header, message):
    existing = write(tmp_path, "e.csv", "")
    with pytest.raises(CommandError, match=message):
        run(existing, write(tmp_path, "i.csv", "", header))


def test_files_that_are_missing_or_not_utf8_are_rejected(tmp_path):
    existing = write(tmp_path, "e.csv", "")
    with pytest.raises(CommandError, match="nope.csv"):
        run(existing, str(tmp_path / "nope.csv"))
    latin = write(tmp_path, "l.csv", "E1,Zoë,Berg,,,\n", encoding="latin-1")
    with pytest.raises(CommandError, match="l.csv: not UTF-8 text"):
        run(latin, existing)


def test_exits_non_zero_with_the_message_on_stderr_and_nothing_on_stdout(tmp_path):
    bad = write(tmp_path, "e.csv", "E1,Anna,Berg,,,yesterday\n")
    result = manage("match_records_files", bad, bad)
    assert result.returncode != 0
    assert "e.csv:2: birth_date must be YYYY-MM-DD" in result.stderr
    assert result.stdout == ""


def test_touches_no_data(tmp_path):
    # No database access is allowed in this test (no `db` fixture): any query would raise.
    assert len(run(write(tmp_path, "e.csv", EXISTING), write(tmp_path, "i.csv", INCOMING))) == 5
