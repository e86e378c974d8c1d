"""The labeled evaluation set keeps its quality bar (a regression guard, < 1 s)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_staff_eval import generate, write  # noqa: E402
from matching_eval import DATA, evaluate, from_rows, load  # noqa: E402


def test_committed_set_is_what_the_seeded_generator_writes(tmp_path):
    rows = generate()
    write(rows, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == DATA.read_bytes()
    assert load(DATA).keys() == from_rows(rows).keys()
    assert len({r.club for r in rows}) >= 30
    assert sum(r.side == "directory" for r in rows) >= 2000


def test_automatic_links_are_precise_and_the_right_person_is_found():
    totals = evaluate(load(DATA))["totals"]
    assert totals["auto_wrong"] * 1000 <= totals["auto"]  # precision >= 99.9%
    assert totals["found"] >= 0.985 * totals["pairs"]
    assert totals["auto_right"] >= 0.88 * totals["pairs"]
