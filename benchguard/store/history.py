"""A benchmark's values over the first-parent history: one point per commit with a baseline, the
steps where a significant change happened (verdict.compare between consecutive points), and its
change points (engine.changepoints: where its level moved, over a longer history than shown)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.engine import changepoints, stats, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, tidy_unit
from benchguard.engine.changepoints import ChangePoint
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
# Baselined commits analysed for change points, at least: a point depends on the whole history
# it is found in (the first split does), so the last commits shown are analysed with those
# before them, as Hunter and Otava analyse windows of 30-50 commits.
ANALYSED = 100


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
    """One benchmark's metric over the first-parent history: a point per commit with data, and
    the change points among them (``index`` into ``points``), found over a longer history."""

    bench: BenchKey
    metric: str
    points: tuple[Point, ...]
    changes: tuple[ChangePoint, ...] = ()

    @property
    def label(self) -> str:
        return self.bench.label

    def change_at(self, index: int) -> ChangePoint | None:
        return next((change for change in self.changes if change.index == index), None)


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
            metric: str = "sec/op", alpha: float = 0.05, threshold: float = 0.05,
            analysed: int = ANALYSED) -> list[Timeline]:
    """The series of every benchmark matching ``regex`` over the last ``limit`` baselined
    first-parent commits of ``rev``, oldest first: at each commit, the samples a check would
    compare with (notes.baseline_samples); its change points are found over the last
    ``analysed`` (at least ``limit``). Note lines that were skipped are told to ``reporter``."""

    try:
        pattern = re.compile(regex)
    except re.error as error:
        raise BenchguardError(f"invalid regular expression {regex!r}: {error}",
                              exit_code=EXIT_USAGE) from None
    found = baselined(repo, rev, ref=ref, fingerprint=fingerprint, reporter=reporter,
                      any_machine=any_machine, limit=max(limit, analysed))
    return timelines(found, metric, limit=limit, alpha=alpha, threshold=threshold,
                     wanted=lambda bench: bool(pattern.search(bench.name) or pattern.search(
                         f"{bench.package}.{bench.name}")))


def timelines(found: Sequence[tuple[Commit, BenchmarkSet]], metric: str, *, limit: int,
              alpha: float, threshold: float, wanted: Callable[[BenchKey], bool] = bool
              ) -> list[Timeline]:
    """Every ``wanted`` benchmark's ``metric`` over the last ``limit`` of ``found`` (baselined
    commits, oldest first), with its steps, and its change points found over all of them."""
    shown = {commit.sha for commit, _ in found[-limit:]}
    unit = unit_of(metric)
    by_bench: dict[BenchKey, list[tuple[Commit, list[float]]]] = {}
    for commit, baseline in found:
        for key, values in baseline.samples.items():
            if key.unit == unit and values and wanted(key.bench):
                by_bench.setdefault(key.bench, []).append((commit, _convert(values, metric)))
    series = []
    for bench, rows in sorted(by_bench.items()):
        visible = [row for row in rows if row[0].sha in shown]
        if visible:
            timeline = _series(bench, metric, visible, alpha=alpha, threshold=threshold)
            series.append(dataclasses.replace(
                timeline, changes=_changes(rows, len(rows) - len(visible))))
    return series


@dataclass(frozen=True)
class ChangeAt:
    """A change point of one benchmark's timeline, at the commit it names."""

    timeline: Timeline
    change: ChangePoint

    @property
    def point(self) -> Point:
        return self.timeline.points[self.change.index]

    @property
    def key(self) -> tuple[BenchKey, str, str]:
        return self.timeline.bench, self.timeline.metric, self.point.commit.sha


def changes_of(series: Sequence[Timeline]) -> list[ChangeAt]:
    return [ChangeAt(one, change) for one in series for change in one.changes]


def recent_changes(found: Sequence[tuple[Commit, BenchmarkSet]], metrics: Sequence[str], *,
                   last: int | None, alpha: float, threshold: float) -> list[ChangeAt]:
    """The change points of every benchmark and metric in ``found`` (baselined commits, oldest
    first) at one of the last ``last`` first-parent commits (None: any), found over all of
    ``found``."""
    changes = []
    for metric in metrics:
        series = timelines(found, metric, limit=len(found), alpha=alpha, threshold=threshold)
        changes += [one for one in changes_of(series)
                    if last is None or one.point.commit.position < last]
    return changes


def new_changes(found: Sequence[tuple[Commit, BenchmarkSet]], metrics: Sequence[str], *,
                alpha: float, threshold: float) -> list[ChangeAt]:
    """The change points ``found`` has that it had not without its last commit: what that
    commit's results revealed (a point needs commits on both sides, so it names an earlier
    commit as often as not)."""
    if len(found) < 2:
        return []
    now = recent_changes(found, metrics, last=None, alpha=alpha, threshold=threshold)
    before = {one.key for one in recent_changes(found[:-1], metrics, last=None, alpha=alpha,
                                                threshold=threshold)}
    return [one for one in now if one.key not in before]


def baselined(repo: Path, rev: str, *, ref: str, fingerprint: Fingerprint | None,
              reporter: Reporter, any_machine: bool = False, limit: int = ANALYSED
              ) -> list[tuple[Commit, BenchmarkSet]]:
    """The last ``limit`` first-parent commits of ``rev`` with a baseline (of this machine, or
    of any with ``any_machine``), oldest first, each with its samples."""
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
    return found


def _changes(rows: Sequence[tuple[Commit, list[float]]], hidden: int
             ) -> tuple[ChangePoint, ...]:
    """The change points of ``rows`` (one median a commit), indexed from the first of them
    shown (``hidden`` come before it); none when a value is not finite (an ops/s of 1/0)."""
    medians = [stats.summarize(values).center for _, values in rows]
    if not all(math.isfinite(value) for value in medians):
        return ()
    return tuple(dataclasses.replace(point, index=point.index - hidden)
                 for point in changepoints.find(medians) if point.index >= hidden)


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
