"""The labeled evaluation sets keep their quality bar (a regression guard, ~2 s)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_staff_eval import HOLDOUT_SEED, SEED, generate, write  # noqa: E402
from matching_eval import DATA, evaluate, from_rows, load  # noqa: E402


def test_committed_set_is_what_the_seeded_generator_writes(tmp_path):
    rows = generate()
    write(rows, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == DATA.read_bytes()
    assert load(DATA).keys() == from_rows(rows).keys()
    assert len({r.club for r in rows}) >= 30
    assert sum(r.side == "directory" for r in rows) >= 2000


NAMESAKES = {"namesake", "remote_only"}  # a different person with the same full name


def _result(seed: int) -> dict:
    return evaluate(load(DATA) if seed == SEED else from_rows(generate(seed)))


@pytest.mark.parametrize("seed", [SEED, HOLDOUT_SEED])
def test_automatic_links_are_precise_and_the_right_person_is_found(seed):
    result = _result(seed)
    totals = result["totals"]
    # The only wrong automatic links are namesakes with a personal address or none, whom
    # nothing in the rosters tells from the person (docs/performance.md, "Staff matching").
    assert all(
        c["auto_wrong"] == 0 for case, c in result["by_case"].items() if case not in NAMESAKES
    )
    assert totals["auto_wrong"] * 10_000 <= 25 * totals["auto"]  # precision >= 99.75%
    assert totals["found"] >= 0.985 * totals["pairs"]
    assert totals["auto_right"] >= 0.90 * totals["pairs"]


@pytest.mark.xfail(
    strict=True, reason="namesakes of absent people: docs/performance.md, 'Staff matching'"
)
@pytest.mark.parametrize("seed", [SEED, HOLDOUT_SEED])
def test_automatic_precision_reaches_the_target(seed):
    totals = _result(seed)["totals"]
    assert totals["auto_wrong"] * 1000 <= totals["auto"]  # precision >= 99.9%
