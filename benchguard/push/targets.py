"""Absolute targets ([[target]] in benchguard.toml): is each matching benchmark's median within
its limit? Checked by `check` (an enforced miss blocks the push), `baseline` and `report`."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.config import TARGET_METRICS, Config, Target
from benchguard.engine import stats
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.store import overrides as overriding
from benchguard.store.overrides import allowances
from benchguard.tools.modules import Layout
from benchguard.tools.modules import at_commit as layout_at

if TYPE_CHECKING:
    from benchguard.progress import Reporter
    from benchguard.store.overrides import Allowance, Override

@dataclass(frozen=True)
class TargetResult:
    """One benchmark measured against one target; ``value`` is in the target's own unit."""

    target: Target
    bench: BenchKey
    value: float
    seconds_per_op: float | None  # the median sec/op, when the benchmark reported it
    met: bool
    allowed_by: str | None = None

    @property
    def blocking(self) -> bool:
        return self.target.enforce and not self.met and self.allowed_by is None

    @property
    def name(self) -> str:
        return self.bench.label


@dataclass(frozen=True)
class Evaluation:
    results: tuple[TargetResult, ...]
    unmatched: tuple[Target, ...]  # targets no measured benchmark matched

    @property
    def blocking(self) -> tuple[TargetResult, ...]:
        return tuple(result for result in self.results if result.blocking)

    @property
    def missed(self) -> tuple[TargetResult, ...]:
        return tuple(result for result in self.results if not result.met)


def evaluate(targets: Sequence[Target], benchmarks: BenchmarkSet, *,
             packages: Mapping[str, str] | None = None,
             layout: Layout | None = None) -> Evaluation:
    """Every (target, matching benchmark) pair, judged on the median of its samples.

    ``packages`` maps "./dir" to import paths (RunResult.packages); ``layout`` (the modules of
    the commit) resolves the rest. Without either, "./dir" matches any import path ending in
    "/dir".
    """

    results: list[TargetResult] = []
    unmatched: list[Target] = []
    medians = {key: stats.summarize(values).center
               for key, values in benchmarks.samples.items() if values}
    benches = list(dict.fromkeys(key.bench for key in medians))
    for target in targets:
        unit, factor, minimum = TARGET_METRICS[target.metric]
        regex = re.compile(target.bench)
        found = False
        for bench in benches:
            if not regex.search(bench.name) or not _in_package(target, bench, packages, layout):
                continue
            median = medians.get(SeriesKey(bench, unit))
            if median is None:
                continue
            found = True
            value = _value(target.metric, median, factor)
            met = value >= target.limit if minimum else value <= target.limit
            results.append(TargetResult(target, bench, value,
                                        medians.get(SeriesKey(bench, "sec/op")), met))
        if not found:
            unmatched.append(target)
    return Evaluation(tuple(results), tuple(unmatched))


def _value(metric: str, median: float, factor: float) -> float:
    if metric == "min_ops_per_sec":
        return math.inf if median == 0 else 1 / median
    return median * factor


def _in_package(target: Target, bench: BenchKey, packages: Mapping[str, str] | None,
                layout: Layout | None) -> bool:
    if target.package is None:
        return True
    if packages and target.package in packages:
        return packages[target.package] == bench.package
    known = layout.import_path(target.package) if layout is not None else None
    if known:
        return bench.package == known
    return target.package == "." or bench.package.endswith("/" + target.package[2:])


def require_matches(config: Config, evaluation: Evaluation, repo: Path) -> None:
    """A target that matches no measured benchmark is a configuration error (exit 2)."""
    if not evaluation.unmatched:
        return
    target = evaluation.unmatched[0]
    where = f" in {target.package}" if target.package else ""
    raise BenchguardError(f"{config_name(config, repo)}:{target.line}: [[target]] bench = "
                          f"'{target.bench}'{where} matches no benchmark that reports "
                          f"{TARGET_METRICS[target.metric][0]}", exit_code=EXIT_USAGE)


def config_name(config: Config, repo: Path) -> str:
    if config.path is None:
        return "benchguard.toml"
    try:
        return str(Path(config.path).relative_to(repo.resolve()))
    except ValueError:
        return config.path


def allow(evaluation: Evaluation, overrides: Sequence[Override]) -> Evaluation:
    """Enforced misses an override covers let the push through, as regressions do."""
    results = []
    for result in evaluation.results:
        if result.target.enforce and not result.met:
            for override in overrides:
                if override.matches(result.bench):
                    result = dataclasses.replace(result, allowed_by=override.pattern)
                    break
        results.append(result)
    return Evaluation(tuple(results), evaluation.unmatched)


def check_head(repo: Path, config: Config, head: BenchmarkSet, commit: str,
               overrides: Sequence[Override], *, packages: Mapping[str, str],
               reporter: Reporter) -> Evaluation:
    """`check`'s target gate on the head's samples: the benchmarks that ran are held to every
    target that matches them (targets of benchmarks not selected are not checked); a miss an
    override covers is let through and recorded in notes, as an allowed regression is.

    ``packages`` ("./dir" -> import path) are those the run reported; other "./dir"s resolve
    through ``commit``'s modules, the checked commit's, not the working tree's."""

    evaluation = allow(evaluate(config.targets, head, packages=packages,
                                layout=layout_at(repo, commit) if config.targets else None),
                       overrides)
    overriding.record(repo, config.notes_ref, commit, _allowances(evaluation, overrides),
                      what="target missed, ", reporter=reporter)
    return evaluation


def _allowances(evaluation: Evaluation, overrides: Sequence[Override]) -> list[Allowance]:
    by_pattern = {override.pattern: override for override in overrides}
    return allowances((by_pattern[result.allowed_by], result.bench)
                      for result in evaluation.results if result.allowed_by is not None)
