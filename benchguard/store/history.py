"""A benchmark's values over the first-parent history: one point per commit with a baseline, the
steps where a significant change happened (verdict.compare between consecutive points)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.engine import stats, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, tidy_unit
from benchguard.engine.stats import Summary
from benchguard.engine.status import Verdict
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.store import notes
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
    position: int = 0  # first-parent commits from the revision history starts at (0: itself)


@dataclass(frozen=True)
class Point:
    commit: Commit
    summary: Summary
    # against the previous point: the relative change, its p-value and verdict (None at the first)
    change: float | None = None
    p: float | None = None
    verdict: str | None = None
    # first-parent commits between the previous point and this one with no data for the
    # benchmark: a change at this point was made by one of them, or by this commit
    gap: int = 0

    @property
    def step(self) -> bool:
        return self.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)


@dataclass(frozen=True)
class Timeline:
    """One benchmark's metric over the first-parent history: a point per commit with data."""

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
    for position, line in enumerate(text.splitlines()):
        sha, date, subject = [*line.split("\0"), "", ""][:3]
        commits.append(Commit(sha, date, subject, position))
    return commits


def noted_commits(repo: Path, ref: str) -> set[str]:
    proc = git.run(["notes", f"--ref={ref}", "list"], cwd=repo, check=False)
    return {line.split()[1] for line in proc.stdout.splitlines() if len(line.split()) == 2}


def collect(repo: Path, rev: str, regex: str, *, ref: str, fingerprint: Fingerprint | None,
            reporter: Reporter, any_machine: bool = False, limit: int = 30,
            metric: str = "sec/op", alpha: float = 0.05, threshold: float = 0.05
            ) -> list[Timeline]:
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
            alpha: float, threshold: float) -> Timeline:
    points = []
    previous: list[float] | None = None
    for commit, values in rows:
        summary = stats.summarize(values)
        if previous is None:
            points.append(Point(commit, summary))
            last = commit
        else:
            key = SeriesKey(bench, metric)
            higher = {metric: metric.endswith("/s")}
            compared = verdict.compare(BenchmarkSet({key: previous}, higher),
                                       BenchmarkSet({key: values}, higher),
                                       alpha=alpha, threshold=threshold)
            [comparison] = compared.comparisons
            points.append(Point(commit, summary, comparison.delta, comparison.p,
                                comparison.verdict, last.position - commit.position - 1))
        previous, last = values, commit
    return Timeline(bench, metric, tuple(points))
