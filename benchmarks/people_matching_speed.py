"""Speed and memory of the people matching core: one big client, existing against incoming.

    .venv/bin/python benchmarks/people_matching_speed.py [CLUBS ...]   # default: 18 36 72

Records come from the evaluation generator (`benchmarks/data/generate_people_eval.py`: the
same households, juniors, duplicates, phone formats and variations), every club's people put
together as one client in one country (72 clubs: ~50,000 existing, ~47,000 incoming). Time
is the process's CPU time for `match_people` alone (the data is generated first: "beyond
start-up"), best of five runs with every name and phone cache cleared before each; peak
memory is measured with tracemalloc in a separate run, and the process's maximum resident
size is printed at the end.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from generate_people_eval import generate  # noqa: E402
from people_matching_eval import person  # noqa: E402

from mappings.matching.people import Person, match_people, people_caches_clear  # noqa: E402


def client(clubs: int) -> tuple[list[Person], list[Person]]:
    rows = generate(seed=7, clubs=clubs, region="US")
    existing = [person(r) for r in rows if r.side == "existing"]
    incoming = [person(r) for r in rows if r.side == "incoming"]
    return existing, incoming


def timed(existing: list[Person], incoming: list[Person]) -> tuple[float, list]:
    best, out = float("inf"), []
    for _ in range(5):
        people_caches_clear()  # cold caches: every run pays for normalizing its records
        start = time.process_time()  # CPU time of this process: "one core"
        out = match_people(existing=existing, incoming=incoming, region="US")
        best = min(best, time.process_time() - start)
    return best, out


def peak_mb(existing: list[Person], incoming: list[Person]) -> float:
    people_caches_clear()
    tracemalloc.start()
    match_people(existing=existing, incoming=incoming, region="US")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [18, 36, 72]
    print(" existing  incoming  CPU s  µs/incoming  peak MB  matched/review/new")
    for clubs in sizes:
        existing, incoming = client(clubs)
        seconds, out = timed(existing, incoming)
        counts = Counter(d.status for d in out)
        per = seconds / len(incoming) * 1e6
        print(
            f"{len(existing):9,} {len(incoming):9,} {seconds:6.2f} {per:12.1f}"
            f" {peak_mb(existing, incoming):8.0f}"
            f"  {counts['matched']}/{counts['needs_review']}/{counts['new']}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max resident size: {rss:.0f} MB (Python, Django-free, data included)")


if __name__ == "__main__":
    main()
