"""Parse the Go benchmark data format (`go test -bench` output), as golang.org/x/perf/benchfmt does.

INTERFACE (fixed; implementation owned by the results-engine work):
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class BenchKey:
    """One benchmark: its package, full name without the -N suffix, and GOMAXPROCS (1 if absent)."""

    package: str
    name: str
    procs: int = 1


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One metric of one benchmark; ``unit`` is tidy ("sec/op", "B/op", "allocs/op", "B/s", …)."""

    bench: BenchKey
    unit: str


@dataclass
class BenchmarkSet:
    """Samples of every (benchmark, unit), in order of first appearance."""

    samples: dict[SeriesKey, list[float]] = field(default_factory=dict)
    # unit -> True when higher is better, from `Unit` metadata lines (tidy unit names)
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    # the last value seen of each configuration key (goos, goarch, cpu, pkg, …)
    configuration: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
