"""The people evaluation set keeps its quality bar (a regression guard; docs/performance.md,
"People matching")."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_people_eval import SEED, generate  # noqa: E402
from people_matching_eval import evaluate  # noqa: E402


def test_people_matching_is_precise_and_finds_the_right_person():
    result = evaluate(generate(SEED))
    t = result["totals"]
    assert result["clubs"] >= 30 and t["records"] >= 20_000
    assert t["wrong"] * 1000 <= t["auto"]  # automatic precision >= 99.9%
    assert t["found"] >= 0.96 * t["pairs"]
    assert t["merged_apart"] * 200 <= t["apart"]  # kept apart >= 99.5%
    # The recall target (80%) is not met (docs/performance.md): this keeps what is.
    assert t["right"] >= 0.765 * t["pairs"]
    # Far above the original Connector's SmartMatch on the same set.
    assert t["sm_wrong"] > 10 * t["wrong"]
