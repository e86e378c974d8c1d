"""Quality of people matching on the labeled evaluation set (generated, seeded).

    .venv/bin/python benchmarks/people_matching_eval.py [SEED ...]   # default: both seeds

For each seed of `benchmarks/data/generate_people_eval.py` (the committed one and a held-out
one, never looked at while the matcher was built): automatic precision and recall, the right
person found (automatic link or top suggestion), people without a counterpart kept apart
(not linked to anyone), and the same figures for SmartMatch (the original Connector: full
name + email + mobile exact, then any two of them, exactly one candidate, else insert) and
for email-only matching; then a breakdown by case.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from generate_people_eval import HOLDOUT_SEED, SEED, generate  # noqa: E402

from mappings.matching.names import email_norm, name_of, phone_e164  # noqa: E402
from mappings.matching.people import Person, match_people  # noqa: E402
from mappings.matching.shared import (  # noqa: E402
    MATCHED,
    NEEDS_REVIEW,
    first_relation,
    last_relation,
)

TODAY = dt.date(2026, 12, 2)  # the generator's today: who is young


def person(row) -> Person:
    birth = dt.date.fromisoformat(row.birth_date) if row.birth_date else None
    return Person(row.external_id, row.first_name, row.last_name, row.email, row.phone, birth)


def clubs(rows) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(lambda: {"existing": [], "incoming": [], "truth": {}})
    for r in rows:
        club = out[r.club]
        club["region"] = r.region
        club[r.side].append(person(r))
        if r.side == "incoming":
            club["truth"][r.external_id] = (set(filter(None, r.truth.split("|"))), r.case)
    return out


def _full_name(p: Person) -> str:
    return " ".join(f"{p.first_name} {p.last_name}".lower().split())


def smartmatch(existing: list[Person], incoming: list[Person], region: str) -> dict:
    """The original Connector: name + email + mobile, then any two, exactly one candidate."""

    def fields(p: Person) -> tuple[str, str, str]:
        return _full_name(p), email_norm(p.email), phone_e164(p.phone, region)

    index: dict[tuple, list] = defaultdict(list)
    for p in existing:
        f = fields(p)
        index[f].append(p.id)
        for pair in ((0, 1), (0, 2), (1, 2)):
            if all(f[i] for i in pair):
                index[(pair, f[pair[0]], f[pair[1]])].append(p.id)
    links = {}
    for p in incoming:
        f = fields(p)
        if all(f) and len(set(index.get(f, []))) == 1:
            links[p.id] = index[f][0]
            continue
        found: set = set()
        for pair in ((0, 1), (0, 2), (1, 2)):
            if all(f[i] for i in pair):
                found.update(index.get((pair, f[pair[0]], f[pair[1]]), []))
        if len(found) == 1:
            links[p.id] = found.pop()
    return links


def email_only(existing: list[Person], incoming: list[Person]) -> dict:
    by_email: dict[str, list] = defaultdict(list)
    for p in existing:
        if email_norm(p.email):
            by_email[email_norm(p.email)].append(p.id)
    return {
        p.id: by_email[email_norm(p.email)][0]
        for p in incoming
        if email_norm(p.email) and len(by_email.get(email_norm(p.email), [])) == 1
    }


def why_not(d, inc: Person, ex: Person, region: str) -> str:
    """Why a true pair was not linked automatically, in the words of product.md §3a."""
    a, b = name_of(inc.first_name, inc.last_name), name_of(ex.first_name, ex.last_name)
    email = email_norm(inc.email) and email_norm(inc.email) == email_norm(ex.email)
    phone = phone_e164(inc.phone, region) and phone_e164(inc.phone, region) == phone_e164(
        ex.phone, region
    )
    same_name = (
        first_relation(a, b) in ("same", "nickname") and last_relation(a, b) == "same"
    ) or (a.key and a.given == b.surname and a.surname == b.given)
    if not (email or phone):
        return "no email or phone in common"
    if not same_name:
        return "names differ (typo, married, missing, ...)"
    if "different birth dates" in d.reason or "Jr / Sr" in d.reason:
        return "birth dates or Jr / Sr differ"
    if "agree by name" in d.reason or "also fits" in d.reason:
        return "more than one candidate"
    return "a family's or a young person's contact, no birth date to confirm"


def _count_links(totals: Counter, prefix: str, links: dict, truth: dict) -> None:
    for incoming_id, existing_id in links.items():
        expected, _ = truth[incoming_id]
        totals[prefix + "auto"] += 1
        totals[prefix + ("right" if existing_id in expected else "wrong")] += 1
        if not expected:
            totals[prefix + "merged_apart"] += 1


def evaluate(rows) -> dict:
    totals: Counter = Counter()
    by_case: dict[str, Counter] = defaultdict(Counter)
    for club in clubs(rows).values():
        truth = club["truth"]
        decisions = match_people(
            existing=club["existing"], incoming=club["incoming"], region=club["region"], today=TODAY
        )
        existing = {p.id: p for p in club["existing"]}
        for d, inc in zip(decisions, club["incoming"], strict=True):
            expected, case = truth[d.incoming_id]
            if expected and not (d.status == MATCHED and d.existing_id in expected):
                why = why_not(d, inc, existing[sorted(expected)[0]], club["region"])
                totals["why:" + why] += 1
            c = by_case[case.split("+")[0] or "new"]
            for t in (totals, c):
                t["records"] += 1
                t["pairs" if expected else "apart"] += 1
                right = d.existing_id in expected
                if d.status == MATCHED:
                    t["auto"] += 1
                    t["right" if right else "wrong"] += 1
                    t["merged_apart"] += not expected
                if d.status in (MATCHED, NEEDS_REVIEW) and right:
                    t["found"] += 1
                t["review"] += d.status == NEEDS_REVIEW
                t["new_apart"] += d.status == "new" and not expected
        _count_links(
            totals, "sm_", smartmatch(club["existing"], club["incoming"], club["region"]), truth
        )
        _count_links(totals, "em_", email_only(club["existing"], club["incoming"]), truth)
    return {"totals": totals, "by_case": by_case, "clubs": len(clubs(rows))}


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


def report(result: dict, existing: int) -> None:
    t = result["totals"]
    print(
        f"clubs: {result['clubs']}, existing: {existing}, incoming: {t['records']}, "
        f"with a counterpart: {t['pairs']}, without: {t['apart']}"
    )
    print("                            this core   SmartMatch   email only   target")
    rows = [
        ("automatic links", f"{t['auto']}", f"{t['sm_auto']}", f"{t['em_auto']}", ""),
        (
            "automatic precision",
            pct(t["right"], t["auto"]),
            pct(t["sm_right"], t["sm_auto"]),
            pct(t["em_right"], t["em_auto"]),
            ">= 99.9%",
        ),
        (
            "automatic recall",
            pct(t["right"], t["pairs"]),
            pct(t["sm_right"], t["pairs"]),
            pct(t["em_right"], t["pairs"]),
            ">= 80%",
        ),
        (
            "found (auto or top sugg.)",
            pct(t["found"], t["pairs"]),
            pct(t["sm_right"], t["pairs"]),
            pct(t["em_right"], t["pairs"]),
            ">= 96%",
        ),
        (
            "kept apart",
            pct(t["apart"] - t["merged_apart"], t["apart"]),
            pct(t["apart"] - t["sm_merged_apart"], t["apart"]),
            pct(t["apart"] - t["em_merged_apart"], t["apart"]),
            ">= 99.5%",
        ),
    ]
    for label, ours, sm, em, target in rows:
        print(f"  {label:26} {ours:>9}   {sm:>10}   {em:>10}   {target}")
    print(
        f"  needs review: {t['review']}; without a counterpart and decided new (no review): "
        f"{pct(t['new_apart'], t['apart'])}"
    )
    print("\n  true pairs not linked automatically, why:")
    for key, n in sorted(
        ((k, v) for k, v in t.items() if k.startswith("why:")), key=lambda kv: -kv[1]
    ):
        print(f"    {pct(n, t['pairs']):>7}  {key[4:]}")
    print("\n  by case: records, counterparts, automatic (wrong), found, kept apart")
    for case, c in sorted(result["by_case"].items()):
        kept = pct(c["apart"] - c["merged_apart"], c["apart"])
        print(
            f"    {case:14} {c['records']:6} {c['pairs']:6} {c['auto']:6} ({c['wrong']:3})"
            f" {pct(c['found'], c['pairs']):>8} {kept:>8}"
        )


def main() -> None:
    seeds = [int(a) for a in sys.argv[1:]] or [SEED, HOLDOUT_SEED]
    for seed in seeds:
        rows = generate(seed)
        label = {SEED: " (the committed seed)", HOLDOUT_SEED: " (held out)"}.get(seed, "")
        print(f"\nseed {seed}{label}")
        report(evaluate(rows), sum(r.side == "existing" for r in rows))


if __name__ == "__main__":
    main()
