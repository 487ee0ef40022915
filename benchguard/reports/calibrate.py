"""`benchguard calibrate` as people and scripts read it: a short summary by default (what a
check can tell apart at the configured count, and what needs more), the full table on request,
and JSON (docs/json.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine.benchfmt import BenchKey
from benchguard.engine.noise import Noise
from benchguard.engine.simulation import Following
from benchguard.style import plural, printable

# Fewer A/A rounds than this estimate a benchmark's noise too loosely to size a count by.
FEW_ROUNDS = 6


def summary(rows: Sequence[Noise], count: int, rounds: int) -> str:
    """Two or three lines: how many benchmarks their threshold is above the noise floor for at
    ``count``, and the ones it is not, each with the one count that would do."""
    short = [row for row in rows if row.below_floor]
    benches = len({(row.package, row.name, row.procs, row.tags) for row in rows})
    lines = [f"calibrated {plural(benches, 'benchmark')} ({plural(len(rows), 'result')}, "
             f"2×{rounds} rounds): at count {count}, {len(rows) - len(short)} of {len(rows)} "
             "results can tell their threshold from noise"]
    for row in sorted(short, key=lambda row: -row.count_for_threshold)[:10]:
        lines.append(printable(f"  {_name(row)} {row.metric}: noise {_percent(row.cv)}, floor "
                               f"{_percent(row.floor)} over threshold {_percent(row.threshold)}:"
                               f" needs count {row.count_for_threshold}"))
    if len(short) > 10:
        lines.append(f"  and {len(short) - 10} more (--full lists every result)")
    if rounds < FEW_ROUNDS:
        lines.append(f"with {rounds} rounds the noise estimates are rough: run --rounds "
                     f"{FEW_ROUNDS * 2} or more before changing count or threshold")
    return "\n".join(lines) + "\n"


def render(rows: Sequence[Noise], count: int) -> str:
    """Every result: its noise, spread, A/A change, noise floor at ``count`` and the count its
    threshold needs (one count per result: the one to configure)."""
    header = ("benchmark", "metric", "runs", "noise (CV)", "spread", "A/A change",
              f"noise floor at count {count}", "threshold", "count needed")
    table = [header]
    for row in rows:
        change = "" if row.delta is None else f"{row.delta * 100:+.1f}%"
        if row.p is not None:
            change += f" (p={row.p:.3f})"
        table.append((printable(_name(row)), printable(row.metric), f"2×{row.runs}",
                      _percent(row.cv), _percent(row.spread), change, _percent(row.floor),
                      _percent(row.threshold) + (" (below the floor)" if row.below_floor else ""),
                      str(row.count_for_threshold)))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
             .rstrip() for line in table]
    return "\n".join(lines) + "\n"


def to_json(rows: Sequence[Noise], *, commit: str, rounds: int, count: int,
            simulated: Sequence[Following] = ()) -> dict[str, Any]:
    return {"version": JSON_VERSION, "commit": commit, "rounds": rounds, "count": count,
            "benchmarks": [asdict(row) for row in rows],
            "simulation": [asdict(row) for row in simulated]}


def render_following(rows: Sequence[Following]) -> str:
    """Each simulated benchmark's est-cycles/op against its time here, and how far its ratio
    is from the others'."""
    centre = sorted(row.cycles_per_ns for row in rows)[len(rows) // 2]
    lines = ["", f"simulated est-cycles/op against time here (about {centre:.2f} est-cycles a "
                 "nanosecond; a benchmark far from it is weighed otherwise by the count than by "
                 "this CPU: docs/simulation.md):"]
    table = [("benchmark", "est-cycles/op", "ns/op", "est-cycles/ns", "off")]
    table += [(printable(BenchKey(row.package, row.name).describe()), f"{row.est_cycles:.1f}",
               f"{row.ns_per_op:.1f}", f"{row.cycles_per_ns:.2f}", f"{row.off_by * 100:+.0f}%")
              for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(5)]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip() for line in table]
    return "\n".join(lines) + "\n"


def _name(row: Noise) -> str:
    return BenchKey(row.package, row.name, row.procs, row.tags).describe()


def _percent(fraction: float) -> str:
    value = fraction * 100
    return f"{value:.1f}%" if value >= 1 or value == 0 else f"{value:.2g}%"
