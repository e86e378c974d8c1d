"""`manage.py match_staff_files DIRECTORY.csv REMOTE.csv`."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.mappings.conftest import manage

HEADER = "external_id,first_name,last_name,email,active\n"


def write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def run(*paths):
    out = io.StringIO()
    call_command("match_staff_files", *paths, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_prints_one_row_per_remote_staff(tmp_path):
    directory = write(
        tmp_path,
        "d.csv",
        "P1,Robert,Smith,rob@club.com,true\nP2,José,García,,false\nP3,Elizabeth,Taylor,,true\n",
    )
    remote = write(
        tmp_path,
        "r.csv",
        "S1,R,S, ROB@CLUB.COM ,1\nS2,jose,garcia,,0\nS3,Liz,Taylor,,yes\nS4,Zed,Nobody,,no\n",
    )
    rows = run(directory, remote)
    assert list(rows[0]) == [
        "remote_external_id",
        "status",
        "directory_external_id",
        "score",
        "reason",
    ]
    got = {r["remote_external_id"]: r for r in rows}
    assert (got["S1"]["status"], got["S1"]["directory_external_id"]) == ("matched", "P1")
    assert got["S1"]["score"] == "1.00" and got["S1"]["reason"] == "same email"
    assert (got["S2"]["status"], got["S2"]["directory_external_id"]) == ("matched", "P2")
    assert (got["S3"]["status"], got["S3"]["directory_external_id"]) == ("needs_review", "P3")
    assert got["S3"]["reason"] == "nickname of first name, same last name"
    assert (got["S4"]["status"], got["S4"]["directory_external_id"], got["S4"]["score"]) == (
        "unmatched",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("P1,Anna,Berg,,true\nP2,Carl\n", "d.csv:3: expected 5 fields, found 2"),
        ("P1,Anna,Berg,,maybe\n", "d.csv:2: active must be true or false"),
        ("P1,Anna,Berg,,1\nP1,Carl,Dahl,,1\n", "d.csv:3: external_id 'P1' appears twice"),
        (",Anna,Berg,,1\n", "d.csv:2: external_id is empty"),
    ],
)
def test_malformed_rows_are_rejected_with_the_line(tmp_path, body, message):
    remote = write(tmp_path, "r.csv", "")
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, "d.csv", body), remote)


def test_missing_columns_and_missing_files_are_rejected(tmp_path):
    bad = tmp_path / "d.csv"
    bad.write_text("id,name\n1,Anna\n")
    with pytest.raises(CommandError, match=r"d.csv:1: missing columns: external_id, first_name"):
        run(str(bad), str(bad))
    with pytest.raises(CommandError, match="nope.csv"):
        run(str(tmp_path / "nope.csv"), str(bad))


def test_exits_non_zero_with_the_message_on_stderr(tmp_path):
    directory = write(tmp_path, "d.csv", "P1,Anna,Berg,,sometimes\n")
    result = manage("match_staff_files", directory, directory)
    assert result.returncode != 0
    assert "d.csv:2: active must be true or false" in result.stderr
    assert result.stdout == ""
