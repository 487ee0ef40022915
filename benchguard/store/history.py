"""A benchmark's values over the first-parent history: one point per commit with a baseline, the
steps where a significant change happened (verdict.compare between consecutive points)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import JSON_VERSION
from benchguard.engine import stats, units, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, tidy_unit
from benchguard.engine.names import tags_line
from benchguard.engine.stats import Summary
from benchguard.engine.status import Verdict
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.store import notes
from benchguard.style import printable
from benchguard.tools import git

if TYPE_CHECKING:
    from benchguard.tools.go import Fingerprint

SPARKS = "▁▂▃▄▅▆▇█"
OPS = "ops/s"  # derived from sec/op: what people who think in throughput read


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, YYYY-MM-DD
    subject: str


@dataclass(frozen=True)
class Point:
    commit: Commit
    summary: Summary
    # against the previous point: the relative change, its p-value and verdict (None at the first)
    change: float | None = None
    p: float | None = None
    verdict: str | None = None

    @property
    def step(self) -> bool:
        return self.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)


@dataclass(frozen=True)
class Series:
    bench: BenchKey
    metric: str
    points: tuple[Point, ...]

    @property
    def label(self) -> str:
        return self.bench.label


def first_parent_commits(repo: Path, rev: str, limit: int | None = None) -> list[Commit]:
    """Newest first."""
    count = [f"--max-count={limit}"] if limit is not None else []
    text = git.output(["log", "--first-parent", *count, "--format=%H%x00%cs%x00%s", rev, "--"],
                      cwd=repo)
    commits = []
    for line in text.splitlines():
        sha, date, subject = [*line.split("\0"), "", ""][:3]
        commits.append(Commit(sha, date, subject))
    return commits


def noted_commits(repo: Path, ref: str) -> set[str]:
    proc = git.run(["notes", f"--ref={ref}", "list"], cwd=repo, check=False)
    return {line.split()[1] for line in proc.stdout.splitlines() if len(line.split()) == 2}


def collect(repo: Path, rev: str, regex: str, *, ref: str, fingerprint: Fingerprint | None,
            reporter: Reporter, any_machine: bool = False, limit: int = 30,
            metric: str = "sec/op", alpha: float = 0.05, threshold: float = 0.05
            ) -> list[Series]:
    """The series of every benchmark matching ``regex`` over the last ``limit`` baselined
    first-parent commits of ``rev``, oldest first: at each commit, the samples a check would
    compare with (notes.baseline_samples). Note lines that were skipped are told to
    ``reporter``."""

    try:
        pattern = re.compile(regex)
    except re.error as error:
        raise BenchguardError(f"invalid regular expression {regex!r}: {error}",
                              exit_code=EXIT_USAGE) from None
    unit = unit_of(metric)
    store = notes.NotesStore(repo, ref)
    noted = noted_commits(repo, ref)
    found: list[tuple[Commit, BenchmarkSet]] = []
    for commit in first_parent_commits(repo, git.resolve(repo, rev)):
        if len(found) >= limit:
            break
        if commit.sha not in noted:
            continue
        baseline = store.baseline(commit.sha, fingerprint, reporter=reporter,
                                  any_machine=any_machine)
        if baseline is not None:
            found.append((commit, baseline))
    found.reverse()
    by_bench: dict[BenchKey, list[tuple[Commit, list[float]]]] = {}
    for commit, baseline in found:
        for key, values in baseline.samples.items():
            if key.unit != unit or not values:
                continue
            if pattern.search(key.bench.name) or pattern.search(
                    f"{key.bench.package}.{key.bench.name}"):
                by_bench.setdefault(key.bench, []).append((commit, _convert(values, metric)))
    return [_series(bench, metric, rows, alpha=alpha, threshold=threshold)
            for bench, rows in sorted(by_bench.items())]


def unit_of(metric: str) -> str:
    """The stored unit a metric is read from ("ns/op" and "ops/s" both come from sec/op)."""
    return "sec/op" if metric == OPS else tidy_unit(metric)[0]


def _convert(values: list[float], metric: str) -> list[float]:
    """Stored values (in the tidy unit) in ``metric``: tidy_unit's factor turns ns into
    seconds, so seconds into ns divide by it."""
    if metric == OPS:
        return [1 / value if value else math.inf for value in values]
    return [value / tidy_unit(metric)[1] for value in values]


def _series(bench: BenchKey, metric: str, rows: list[tuple[Commit, list[float]]], *,
            alpha: float, threshold: float) -> Series:
    points = []
    previous: list[float] | None = None
    for commit, values in rows:
        summary = stats.summarize(values)
        if previous is None:
            points.append(Point(commit, summary))
        else:
            key = SeriesKey(bench, metric)
            higher = {metric: metric.endswith("/s")}
            compared = verdict.compare(BenchmarkSet({key: previous}, higher),
                                       BenchmarkSet({key: values}, higher),
                                       alpha=alpha, threshold=threshold)
            [comparison] = compared.comparisons
            points.append(Point(commit, summary, comparison.delta, comparison.p,
                                comparison.verdict))
        previous = values
    return Series(bench, metric, tuple(points))


# --- presenting ---------------------------------------------------------------------------------


def sparkline(values: Sequence[float]) -> str:
    finite = [value for value in values if math.isfinite(value)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    if high == low:
        return SPARKS[0] * len(values)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((value - low) / (high - low) * top)] if math.isfinite(value)
                   else " " for value in values)


def format_value(value: float, metric: str) -> str:
    if not math.isfinite(value):
        return "∞"
    # "MB/s" already counts in decimal megabytes: 2000 of them are 2.000k, not 1.953Ki
    binary = False if tidy_unit(metric)[1] != 1.0 else None
    return units.format_value(value, metric, binary=binary)


def render_text(series: Sequence[Series]) -> str:
    blocks = []
    for one in series:
        values = [point.summary.center for point in one.points]
        first, last = values[0], values[-1]
        change = f" ({(last / first - 1) * 100:+.1f}%)" if first else ""
        tags = f" [{tags_line(one.bench.tags)}]" if one.bench.tags else ""
        lines = [f"{printable(one.label)}  {printable(one.bench.package + tags)}  "
                 f"{printable(one.metric)}, {len(values)} commit"
                 f"{'' if len(values) == 1 else 's'}",
                 f"  {sparkline(values)}  {format_value(first, one.metric)} → "
                 f"{format_value(last, one.metric)}{change}"]
        if any(point.step for point in one.points):
            lines.append("  " + "".join("^" if point.step else " " for point in one.points)
                         .rstrip() + "  ← significant changes")
        lines.append("")
        cells = [f"{format_value(point.summary.center, one.metric)} ± {_range(point.summary)}"
                 for point in one.points]
        marks = [_mark(point) for point in one.points]
        cell_width = max(map(len, cells))
        mark_width = max(map(len, marks))
        for point, cell, mark in reversed(list(zip(one.points, cells, marks, strict=True))):
            lines.append(f"  {point.commit.sha[:12]}  {point.commit.date}  {cell:>{cell_width}}  "
                         f"{mark:<{mark_width}}  {printable(point.commit.subject[:50])}"
                         .rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _mark(point: Point) -> str:
    if not point.step:
        return ""
    arrow = "▲" if (point.change or 0) > 0 else "▼"
    change = f"{point.change * 100:+.1f}% " if point.change is not None else ""
    p = f" (p={point.p:.3f})" if point.p is not None else ""
    return f"{arrow} {change}{point.verdict}{p}"


def _range(summary: Summary) -> str:
    return units.range_percent(summary)


def to_json(series: Sequence[Series], *, rev: str, metric: str, any_machine: bool,
            warnings: Sequence[str]) -> dict[str, Any]:
    """`history --format json` (docs/json.md)."""
    return {"version": JSON_VERSION, "rev": rev, "metric": metric, "any_machine": any_machine,
            "rows": to_rows(series), "warnings": list(warnings)}


def to_rows(series: Sequence[Series]) -> list[dict[str, Any]]:
    rows = []
    for one in series:
        for point in one.points:
            rows.append({
                "commit": point.commit.sha, "date": point.commit.date,
                "subject": point.commit.subject, "package": one.bench.package,
                "name": one.bench.name, "procs": one.bench.procs,
                "tags": list(one.bench.tags), "metric": one.metric,
                "median": _finite(point.summary.center), "low": _finite(point.summary.low),
                "high": _finite(point.summary.high), "n": point.summary.n,
                "change": _finite(point.change), "p": _finite(point.p),
                "verdict": point.verdict, "step": point.step,
            })
    return rows


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def render_csv(series: Sequence[Series]) -> str:
    """Data, as stored: no escaping (names, packages and units cannot hold control characters,
    records.decode sees to that; a subject is the commit's own)."""

    buffer = io.StringIO()
    fields = ["commit", "date", "package", "name", "procs", "tags", "metric", "median", "low",
              "high", "n", "change", "p", "verdict", "step", "subject"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in to_rows(series):
        row["tags"] = ",".join(row["tags"])
        writer.writerow({key: "" if row[key] is None else row[key] for key in fields})
    return buffer.getvalue()
