"""Speed and memory of the staff matching core: an N-person directory against an N roster.

    .venv/bin/python benchmarks/matching_speed.py [N ...]   # default: 1000 5000 10000

Rosters come from the evaluation generator's name lists and variations (same mix of
cosmetic differences, nicknames, typos, personal emails), as one big client, on two
platforms: one whose own domain keeps the directory's local parts (most staff then link by
email, read at the directory's domain), one with its own address pattern (`jsmith@`, no
alias: most staff are matched by name, the harder case). Time is the
process's CPU time, best of three runs (no tracing, name caches cleared before each); peak
memory is measured in a separate run with tracemalloc, and the process's maximum resident
size is printed at the end.
"""

from __future__ import annotations

import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from generate_staff_eval import Platform, directory_people, remote_record  # noqa: E402

from mappings.matching.staff import Staff, match_staff, staff_caches_clear  # noqa: E402


def rosters(n: int, seed: int = 7, pattern: str = "") -> tuple[list[Staff], list[Staff]]:
    rng = random.Random(seed)
    people = directory_people(rng, "big", n, "big-fitness.com")
    # The same platform at every size: its own second domain, a personal address on 15%.
    plat = Platform("big.club", pattern, "", upper=False, ascii_only=False, personal_rate=0.15)
    remote = [remote_record(rng, p, i, plat) for i, p in enumerate(people)]
    as_staff = [Staff(p.external_id, p.first_name, p.last_name, p.email, p.active) for p in people]
    # Remote ids must be unique across the roster: the generator numbers them per club.
    remote_staff = [
        Staff(f"S{i}", r.first_name, r.last_name, r.email, r.active) for i, r in enumerate(remote)
    ]
    return as_staff, remote_staff


def timed(directory: list[Staff], remote: list[Staff]) -> tuple[float, list]:
    best, out = float("inf"), []
    for _ in range(3):
        staff_caches_clear()  # cold caches: every run pays for normalizing its names
        # CPU time of this process: the figure for "one core", steady on a shared machine.
        start = time.process_time()
        out = match_staff(directory=directory, remote=remote)
        best = min(best, time.process_time() - start)
    return best, out


def peak_mb(directory: list[Staff], remote: list[Staff]) -> float:
    tracemalloc.start()
    match_staff(directory=directory, remote=remote)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 5000, 10000]
    for pattern, platform in (("", "mirrors the directory"), ("{i}{l}", "its own pattern")):
        print(f"platform domain: {platform}")
        print("     N  CPU s     µs/remote  peak MB (tracemalloc)  matched/review/unmatched")
        for n in sizes:
            directory, remote = rosters(n, pattern=pattern)
            seconds, out = timed(directory, remote)
            counts = Counter(d.status for d in out)
            print(
                f"{n:6}  {seconds:8.3f}  {seconds / n * 1e6:10.1f}"
                f"  {peak_mb(directory, remote):21.1f}"
                f"  {counts['matched']}/{counts['needs_review']}/{counts['unmatched']}"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max resident size: {rss:.0f} MB (Python, Django-free, data included)")


if __name__ == "__main__":
    main()
