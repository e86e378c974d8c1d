"""What could tell a namesake from the person, on links made by the full name alone.

    .venv/bin/python benchmarks/staff_namesake_evidence.py [FIRST-LAST]   # default: 1-40

Over generated seeds of benchmarks/data/generate_staff_eval.py (not the committed, held-out
or third seed, so that nothing is chosen on the seeds the figures are reported on): the
automatic links by name whose remote address is personal or missing, the only kind that is
ever wrong. For each signal that could send such a link to review instead: how many right
links it would send there (recall lost) and how many wrong ones it would catch. A signal
worth having catches a wrong link for a few right ones; a signal that sends right links in
the same proportion as the links themselves (about 250 : 1) says nothing. The rules the
matcher applies are counted from the reasons of the review rows they made.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "data"))

from generate_staff_eval import generate  # noqa: E402
from matching_eval import from_rows  # noqa: E402

from mappings.matching.names import email_norm, name_of  # noqa: E402
from mappings.matching.staff import Staff, match_staff  # noqa: E402
from mappings.matching.staff_roster import WEBMAIL, split_email  # noqa: E402

APPLIED = {
    "inactive in the directory, active remote (applied)": "inactive and the remote staff active",
    "personal address spells another person (applied)": "the remote's email looks like",
}


def partner_domain(remote: list[Staff], directory: list[Staff]) -> str:
    """The domain most remote staff have an address at, not the directory's nor webmail."""
    ours = {split_email(email_norm(p.email))[1] for p in directory}
    domains = Counter(split_email(email_norm(r.email))[1] for r in remote if r.email.strip())
    if not domains:
        return ""
    domain, count = domains.most_common(1)[0]
    mine = domain in ours or domain in WEBMAIL
    return "" if mine or count < 0.5 * len(remote) else domain


def club_links(sides: dict) -> list[dict]:
    """The club's name links with a personal or missing address, with their signals."""
    directory = [s for s, _, _ in sides["directory"]]
    remote = [s for s, _, _ in sides["remote"]]
    truth = {s.id: t for s, t, _ in sides["remote"]}
    by_id = {s.id: s for s in directory}
    partner = partner_domain(remote, directory)
    names = [name_of(s.first_name, s.last_name) for s in directory + remote]
    firsts, lasts = Counter(n.given for n in names), Counter(n.surname for n in names)
    out = []
    for d in match_staff(directory=directory, remote=remote):
        r = next(s for s in remote if s.id == d.remote_id)
        email = email_norm(r.email)
        applied = [k for k, words in APPLIED.items() if words in d.reason]
        if applied:
            out.append({"right": truth[r.id] == d.person_id, "signals": applied})
        if d.status != "matched" or d.method != "name":
            continue
        if email and split_email(email)[1] not in WEBMAIL:
            continue
        n = name_of(by_id[d.person_id].first_name, by_id[d.person_id].last_name)
        signals = ["every such link"]
        signals += ["personal address"] if email else ["no address"]
        if partner:
            signals.append("the partner has its own domain")
        if firsts[n.given] >= 5 and lasts[n.surname] >= 5:
            signals.append("3+ others with the first name and 3+ with the surname")
        if any(ch.isdigit() for ch in split_email(email)[0]):
            signals.append("digits in the personal address")
        out.append({"right": truth[r.id] == d.person_id, "signals": signals})
    return out


def main() -> None:
    first, _, last = (sys.argv[1] if len(sys.argv) > 1 else "1-40").partition("-")
    right: Counter = Counter()
    wrong: Counter = Counter()
    for seed in range(int(first), int(last or first) + 1):
        for sides in from_rows(generate(seed)).values():
            for link in club_links(sides):
                (right if link["right"] else wrong).update(link["signals"])
    print(f"seeds {first}-{last}: name links with a personal address or none")
    print(f"  {'signal':58} {'right':>6} {'wrong':>6}  right per wrong")
    for signal in sorted({*right, *wrong}, key=lambda k: -right[k] - wrong[k]):
        ratio = f"{right[signal] / wrong[signal]:.0f}" if wrong[signal] else "—"
        print(f"  {signal:58} {right[signal]:6} {wrong[signal]:6}  {ratio:>8}")


if __name__ == "__main__":
    main()
