"""The figures of a load test, as text: throughput, push-to-arrival, the queue, memory, errors.

Not a benchmark itself: load_sustained.py imports it.
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from typing import Any

MB = 1024  # RSS is read in kB


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0


def report(args: argparse.Namespace, result: dict[str, Any]) -> str:
    sent = result["sent"]
    during = [s for s in result["samples"] if s["t"] <= result["ended"] + 1]
    latency = {name: at - sent.pushed[name] for name, at in result["arrived"]
               if name in sent.pushed}
    lines = [
        f"{args.minutes:g} min of traffic: batches of 100-500 at {args.rate:g} records/s and "
        f"{args.puts:g} PUTs/s; {args.workers} qcluster x 2 workers, gunicorn 2 x 2 threads",
        "load average (1 min) while it ran: " + _spread([s["load"] for s in during]),
        "",
        *_throughput(result, during, latency),
        "",
        *_per_minute(result, latency),
        "",
        *_memory(during, result["started"], result["ended"]),
        "",
        *_memory_by_minute(during, result["started"]),
        "",
        *_errors(result, latency),
    ]
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"min {min(values):.2f}, median {statistics.median(values):.2f}, max {max(values):.2f}"


def _answers_line(sent: Any, kind: str, what: str) -> str:
    took = [s * 1000 for k, _, s in sent.answers if k == kind]
    return (f"  {what}: {len(took)} answers in p50 {pct(took, 50):.0f} / p99 "
            f"{pct(took, 99):.0f} / max {max(took, default=0):.0f} ms; the latest started "
            f"{sent.behind.get(kind, 0):.2f} s after its due time")


def _throughput(result: dict, during: list[dict], latency: dict[str, float]) -> list[str]:
    sent, seconds = result["sent"], result["ended"] - result["started"]
    stamps = [at for _, at in result["arrived"]]
    within = sum(1 for at in stamps if result["started"] <= at <= result["ended"])
    counted = result["samples"][-1].get("deliveries", {}).get("delivered", 0)
    values = list(latency.values())
    return [
        f"accepted: {sent.accepted} records in {seconds:.0f} s = "
        f"{sent.accepted / seconds:.1f} records/s",
        _answers_line(sent, "batch", "batches"),
        _answers_line(sent, "put", "puts"),
        f"deliveries: {within / seconds:.1f}/s while the traffic ran (arrivals at the "
        f"sandbox; /metrics counted {counted:.0f} delivered in all, the warm-up's 100 "
        f"included); the queue drained {result['drained'] - result['ended']:.1f} s after "
        f"the traffic ended, the last record arrived "
        f"{max(stamps, default=result['ended']) - result['ended']:.1f} s after",
        _latency_line("push-to-arrival, every record", values),
        _latency_line("  records of batches", [t for n, t in latency.items()
                                               if n not in sent.singles]),
        _latency_line("  records of single PUTs", [t for n, t in latency.items()
                                                   if n in sent.singles]),
        "queue: due rows max {:.0f}, oldest due delivery's age max {:.2f} s".format(
            max((s.get("due", 0) for s in result["samples"]), default=0),
            max((s.get("oldest_due_s", 0) for s in result["samples"]), default=0)),
    ]


def _latency_line(what: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{what} ({len(ms)}): median {pct(ms, 50):.0f} ms, p95 {pct(ms, 95):.0f} ms, "
            f"p99 {pct(ms, 99):.0f} ms, max {max(ms, default=0):.0f} ms")


def _per_minute(result: dict, latency: dict[str, float]) -> list[str]:
    """Each minute of traffic: records pushed, deliveries, the queue, push-to-arrival."""
    start, sent = result["started"], result["sent"]
    pushed: dict[int, list[float]] = defaultdict(list)
    for name, took in latency.items():
        pushed[int((sent.pushed[name] - start) // 60)].append(took)
    by_minute: dict[int, list[dict]] = defaultdict(list)
    for sample in result["samples"]:
        by_minute[int((sample["t"] - start) // 60)].append(sample)
    arrived: dict[int, int] = defaultdict(int)
    for _, at in result["arrived"]:
        arrived[int((at - start) // 60)] += 1
    lines = ["minute | records pushed | arrived/s | due rows max | oldest due max s | "
             "push-to-arrival p50 / p99 ms | load avg"]
    for minute in sorted(by_minute):
        samples = by_minute[minute]
        took = pushed.get(minute, [])
        lines.append(
            f"{minute:>6} | {len(took):>14} | {arrived[minute] / 60:>9.1f} | "
            f"{max(s.get('due', 0) for s in samples):>12.0f} | "
            f"{max(s.get('oldest_due_s', 0) for s in samples):>16.2f} | "
            f"{pct(took, 50) * 1000:>10.0f} / {pct(took, 99) * 1000:<6.0f} | "
            f"{max(s['load'] for s in samples):.2f}")
    return lines


def _memory(during: list[dict], started: float, ended: float) -> list[str]:
    """Each process's RSS at the start, middle and end of the traffic, and its growth."""
    middle = min(during, key=lambda s: abs(s["t"] - (started + ended) / 2))
    series: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for sample in during:
        for label, rss in sample["rss"].items():
            series[label].append((sample["t"], rss))
    lines = ["process | RSS MB start / middle / end | growth MB: whole / 2nd half | max MB | "
             "seen"]
    for label, points in sorted(series.items(), key=lambda item: _order(item[0])):
        at_middle = dict(points).get(middle["t"])
        whole = points[0][0] == during[0]["t"] and points[-1][0] == during[-1]["t"]
        seen = "whole run" if whole else (
            f"{(points[0][0] - started) / 60:.1f}-{(points[-1][0] - started) / 60:.1f} min")
        lines.append(
            f"{label} | {points[0][1] / MB:.1f} / "
            f"{at_middle / MB if at_middle else float('nan'):.1f} / {points[-1][1] / MB:.1f} | "
            f"{(points[-1][1] - points[0][1]) / MB:+.1f} / "
            f"{(points[-1][1] - at_middle) / MB if at_middle else float('nan'):+.1f} | "
            f"{max(rss for _, rss in points) / MB:.1f} | {seen}")
    return lines


def _memory_by_minute(during: list[dict], started: float) -> list[str]:
    """RSS of each process group (a machine) at the end of each minute, in MB."""
    last: dict[int, dict] = {}
    for sample in during:
        last[int((sample["t"] - started) // 60)] = sample
    groups = sorted({label.split()[0] for sample in during for label in sample["rss"]})
    lines = ["minute | " + " | ".join(groups) + " (RSS MB, all of a group's processes)"]
    for minute, sample in sorted(last.items()):
        totals: dict[str, int] = defaultdict(int)
        for label, rss in sample["rss"].items():
            totals[label.split()[0]] += rss
        lines.append(f"{minute:>6} | " + " | ".join(f"{totals[g] / MB:.0f}" for g in groups))
    return lines


def _order(label: str) -> tuple:
    name, role, pid = label.split()
    rank = ["main", "sentinel", "monitor", "pusher", "worker", "child"].index(role)
    return (name, rank, int(pid))


def _errors(result: dict, latency: dict[str, float]) -> list[str]:
    sent = result["sent"]
    names = [name for name, _ in result["arrived"]]
    twice = len(names) - len(set(names))
    missing = len(set(sent.pushed) - set(names))
    results: dict[str, float] = {}
    for sample in result["samples"][-1:]:
        results = {k: v for k, v in sample.get("deliveries", {}).items() if k != "delivered"}
    statuses = sorted({status for _, status, _ in sent.answers})
    problems = {log: n for log, n in result["log_problems"].items() if n}
    return [
        f"errors: {len(sent.errors)} partner requests failed"
        + (f" ({'; '.join(sent.errors[:5])})" if sent.errors else "")
        + f"; answers {statuses}",
        f"  records missing at the sandbox {missing}, arrived twice {twice}, outbox rows "
        f"failed {result['failed_rows']}; delivery results other than delivered: "
        f"{results or 'none'}",
        f"  log lines with ERROR, CRITICAL or a traceback: {problems or 'none'}",
    ]
