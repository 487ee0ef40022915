"""Measuring one pushed range: stored baseline, side-by-side base and head, confirmation,
extra rounds for inconclusive results (docs/check.md, "Noisy machines")."""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard import git, hook
from benchguard.errors import BenchguardError

if TYPE_CHECKING:
    from benchguard.abtest import Session
    from benchguard.config import Config
    from benchguard.reporter import Reporter
    from benchguard.results import BenchKey, BenchmarkSet
    from benchguard.runner import RunSettings, RunSpec
    from benchguard.selection import Selected, Selection
    from benchguard.verdict import Comparison, ComparisonReport


@dataclass(frozen=True)
class Confirmation:
    """A regression against the stored baseline, and what base and head side by side said."""

    stored: Comparison
    fresh: Comparison | None  # None when the re-measurement did not find the benchmark


@dataclass
class Measured:
    report: ComparisonReport
    base: BenchmarkSet
    head: BenchmarkSet
    confirmations: list[Confirmation] = field(default_factory=list)
    # spec.package -> (rounds run side by side, of which extra for inconclusive results)
    rounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    # spec.package ("./hashing") -> the import path its runs reported, else go.mod's
    packages: dict[str, str] = field(default_factory=dict)
    # which run each benchmark's results came from (the first, when two selections overlap)
    owners: dict[BenchKey, RunSpec] = field(default_factory=dict)
    # selections whose test binary did not build, and why (their benchmarks are not compared)
    failures: dict[RunSpec, BenchguardError] = field(default_factory=dict)


class Measurement:
    """Measure the selections of one range and compare them, as docs/check.md describes."""

    def __init__(self, repo: Path, found: hook.Range, config: Config, chosen: Selection,
                 tree: Path, stack: contextlib.ExitStack, *, reporter: Reporter,
                 any_machine: bool = False) -> None:
        from benchguard import runner

        assert found.base is not None
        self.repo, self.found, self.config, self.chosen = repo, found, config, chosen
        self.reporter = reporter
        self.any_machine = any_machine
        self.base_commit: str = found.base
        self.tree = tree
        self.stack = stack
        self.settings: RunSettings = runner.RunSettings.from_config(config)
        self.started = time.monotonic()
        self.packages: dict[str, str] = {}
        self.owners: dict[BenchKey, RunSpec] = {}
        self.failures: dict[RunSpec, BenchguardError] = {}
        self.stored: dict[RunSpec, BenchmarkSet] = {}  # base samples from notes
        self.contiguous: dict[RunSpec, BenchmarkSet] = {}  # head samples from `go test -count`
        self.session: Session | None = None
        self.base_tree: Path | None = None
        self.extra: dict[RunSpec, int] = {}
        self.thresholds: dict[RunSpec, float] = {}
        for selected in chosen.selected:
            spec = spec_of(selected)
            if selected.import_path:
                self.packages.setdefault(spec.package, selected.import_path)
            if selected.threshold is not None:
                self.thresholds.setdefault(spec, selected.threshold)
        self.specs = list(dict.fromkeys(spec_of(selected) for selected in chosen.selected))

    def run(self) -> Measured:
        from benchguard import runner
        from benchguard.verdict import Verdict

        self._load_stored()
        covered = [spec for spec in self.specs if spec in self.stored]
        missing = [spec for spec in self.specs if spec not in self.stored]
        if covered:
            self.reporter.progress(f"using the stored baseline of {git.short(self.base_commit)} "
                                   f"for {len(covered)} of {len(self.specs)} selections")
            measured = runner.run_in_tree(self.tree, covered, self.settings,
                                          label=f"head {git.short(self.found.head)}",
                                          reporter=self.reporter, keep_going=True)
            self.contiguous = measured.by_spec
            self.packages.update(measured.packages)
            self._failed(measured.failures)
        if missing:
            self._interleave(missing)
        report = self._decide()
        confirmations = []
        against_stored = [c for c in report.comparisons
                          if self._spec_of(c.series.bench) in covered]
        flagged = [c for c in against_stored if c.verdict == Verdict.REGRESSION]
        # Drift since the baseline was stored can as well hide a regression (a slower machine
        # then made the base slower too): the stored numbers are a shortcut only when they
        # clearly say "no change".
        moved = [c for c in against_stored if c.verdict != Verdict.REGRESSION and _unclear(c)]
        if (flagged or moved) and self.config.confirm:
            again = list(dict.fromkeys(spec for c in [*flagged, *moved]
                                       if (spec := self._spec_of(c.series.bench)) is not None))
            said = [f"{len(found)} {what}{'' if len(found) == 1 else 's'}"
                    for found, what in ((flagged, "regression"),
                                        (moved, "unclear result"))
                    if found]
            self.reporter.progress(f"the stored baseline of {git.short(self.base_commit)} shows "
                                   f"{' and '.join(said)}; measuring base and head side by "
                                   "side to confirm (confirm = true)")
            self._interleave(again)
            report = self._decide()
            fresh = {c.series: c for c in report.comparisons}
            confirmations = [Confirmation(c, fresh.get(c.series)) for c in [*flagged, *moved]]
        self._store_base()
        base, head = self._sets()
        rounds = {}
        if self.session is not None:
            rounds = {describe_spec(spec): (count, self.extra.get(spec, 0))
                      for spec, count in self.session.rounds.items()}
        return Measured(report, base, head, confirmations, rounds, dict(self.packages),
                        dict(self.owners), dict(self.failures))

    # -- the base's stored baseline

    def _load_stored(self) -> None:
        """For each selection, the stored samples of its benchmarks, as notes.baseline_samples
        picks them (per benchmark, the newest record of this machine)."""
        from benchguard import go, notes

        store = notes.NotesStore(self.repo, self.config.notes_ref)
        stored = store.baseline(self.base_commit, go.fingerprint(self.tree),
                                reporter=self.reporter, any_machine=self.any_machine,
                                settings=self.settings.comparable())
        for spec in self.specs:
            mine = (stored_for(stored, spec, self.packages.get(spec.package))
                    if stored is not None else None)
            if mine is not None and mine.samples:
                self.stored[spec] = mine

    def _store_base(self) -> None:
        from benchguard import go, notes

        if self.session is None or self.base_tree is None:
            return
        specs = self.session.specs
        measured = self.session.benchmarks("base")
        if not measured.samples:
            return
        settings = self.settings.record(specs)
        settings.update({"interleaved": True, "rounds": max(self.session.rounds.values())})
        record = notes.baseline_record(self.base_commit, go.fingerprint(self.base_tree),
                                       settings, measured, load=self.session.load)
        try:
            notes.NotesStore(self.repo, self.config.notes_ref).append(self.base_commit, [record])
        except BenchguardError as error:  # the comparison stands without it
            self.reporter.warn(f"could not store the baseline of {git.short(self.base_commit)}: "
                               f"{error.message}")

    # -- measuring side by side

    def _interleave(self, specs: Sequence[RunSpec]) -> None:
        session = self._session()
        specs = self._built(session, specs)
        if not specs:
            return
        count = self.settings.count
        for _ in range(count):
            session.one_round(specs, total=count)
        self.packages.update(session.packages)

    def _built(self, session: Session, specs: Sequence[RunSpec]) -> list[RunSpec]:
        """``specs`` whose test binaries built; one that did not fails its own selection only,
        and the others are still measured."""
        from benchguard.errors import EXIT_BENCH_FAILED

        built = []
        for spec in specs:
            try:
                session.add([spec])
            except BenchguardError as error:
                if error.exit_code != EXIT_BENCH_FAILED:
                    raise
                self.reporter.warn(error.message)
                self._failed({spec: error})
                continue
            built.append(spec)
        return built

    def _failed(self, failures: dict[RunSpec, BenchguardError]) -> None:
        """Selections that failed to build or run: kept in ``failures`` (already told), and
        no longer measured or compared."""
        self.failures.update(failures)
        self.specs = [spec for spec in self.specs if spec not in failures]

    def _session(self) -> Session:
        from benchguard import abtest

        if self.session is None:
            self.base_tree = self.stack.enter_context(git.worktree(self.repo, self.base_commit))
            workdir = Path(self.stack.enter_context(
                tempfile.TemporaryDirectory(prefix="benchguard-bin-")))
            self.session = abtest.Session(
                [abtest.Side("base", f"base {git.short(self.base_commit)}", self.base_tree),
                 abtest.Side("head", f"head {git.short(self.found.head)}", self.tree)],
                self.settings, workdir=workdir, reporter=self.reporter)
        return self.session

    # -- deciding

    def _decide(self) -> ComparisonReport:
        """Compare; while a result measured side by side is inconclusive, add a round of its
        selection, up to max_count rounds and within the time budget."""
        from benchguard import abtest

        report = self._compare()
        budget = abtest.budget_seconds(self.config.budget)
        most = max(self.config.max_count, self.settings.count)
        while self.session is not None:
            pending: dict[RunSpec, tuple[Comparison, str]] = {}
            for comparison in report.comparisons:
                spec = self._spec_of(comparison.series.bench)
                if (spec is not None and spec in self.session.rounds and spec not in pending
                        and self.session.rounds[spec] < most
                        and (reason := inconclusive(comparison, report.alpha))):
                    pending[spec] = (comparison, reason)
            if not pending:
                break
            elapsed = time.monotonic() - self.started
            if budget and elapsed + self.session.round_seconds > budget:
                self.reporter.progress(f"time budget {self.config.budget} spent: deciding on "
                                       f"{max(self.session.rounds.values())} rounds")
                break
            first, reason = next(iter(pending.values()))
            why = f" (inconclusive: {brief(first)}: {reason})"
            self.session.one_round(list(pending), why=why, total=most)
            for spec in pending:
                self.extra[spec] = self.extra.get(spec, 0) + 1
            self.packages.update(self.session.packages)
            report = self._compare()
        return report

    def _compare(self) -> ComparisonReport:
        from benchguard import verdict

        base, head = self._sets()
        return verdict.compare(base, head, alpha=self.config.alpha, threshold=self._threshold,
                               metrics=self.config.metrics or None,
                               correction=self.config.correction)

    def _sets(self) -> tuple[BenchmarkSet, BenchmarkSet]:
        """Base and head samples, each selection's from where it was measured: what a run
        produced belongs to that run. A series two overlapping selections both hold keeps the
        first's; stored samples, which no run of this check produced, are picked per selection
        as `go test` would have run them (stored_for)."""
        from benchguard.results import BenchmarkSet, merge

        bases, heads = [], []
        for spec in self.specs:
            if self.session is not None and spec in self.session.rounds:
                parts = (self.session.benchmarks("base", [spec]),
                         self.session.benchmarks("head", [spec]))
            else:
                parts = (stored_for(self.stored.get(spec, BenchmarkSet()), spec,
                                    self.packages.get(spec.package)),
                         self.contiguous.get(spec, BenchmarkSet()))
            for part in parts:
                for key in part.samples:
                    self.owners.setdefault(key.bench, spec)
            bases.append(parts[0])
            heads.append(parts[1])
        return merge(bases, first_wins=True), merge(heads, first_wins=True)

    def _spec_of(self, bench: BenchKey) -> RunSpec | None:
        return self.owners.get(bench)

    def _threshold(self, key: BenchKey) -> float:
        spec = self.owners.get(key)
        return self.config.threshold if spec is None else self.thresholds.get(
            spec, self.config.threshold)


def describe_spec(spec: RunSpec) -> str:
    """A selection as the output names it: "./hashing", "./hashing [tags: fast]"."""
    from benchguard.results import tags_line

    return f"{spec.package} [{tags_line(spec.tags)}]" if spec.tags else spec.package


def spec_of(selected: Selected) -> RunSpec:
    """The `go test` run a selection asks for."""
    from benchguard.runner import RunSpec

    return RunSpec(selected.package, selected.pattern, selected.tags, selected.module)


def stored_for(samples: BenchmarkSet, spec: RunSpec, import_path: str | None) -> BenchmarkSet:
    """The stored samples ``spec`` would have produced: its package (by import path, when known)
    and build tags, and the names its -bench pattern runs (benchmatch.runs, Go's own rule)."""
    from benchguard import benchmatch
    from benchguard.results import BenchmarkSet

    return BenchmarkSet(samples={key: values for key, values in samples.samples.items()
                                 if (import_path is None or key.bench.package == import_path)
                                 and key.bench.tags == spec.tags
                                 and benchmatch.runs(spec.pattern, key.bench.name)},
                        higher_is_better=dict(samples.higher_is_better),
                        assume_exact=dict(samples.assume_exact),
                        configuration=dict(samples.configuration),
                        warnings=list(samples.warnings))


def inconclusive(comparison: Comparison, alpha: float) -> str | None:
    """Why more rounds could change this verdict, or None: a regression that is only just one
    (its p, adjusted where the verdict used the adjusted one, above alpha/5, or the change below
    1.25 × the threshold), a worsening of ¾ of the threshold or more that is not (yet) one, or
    medians too imprecise to see a threshold-sized change. Exact metrics and improvements never
    need more rounds."""
    from benchguard.verdict import Verdict

    if comparison.exact or comparison.p is None or comparison.delta is None:
        return None
    worse = -comparison.delta if comparison.higher_is_better else comparison.delta
    p = comparison.p if comparison.p_adjusted is None else comparison.p_adjusted
    threshold = comparison.threshold
    if comparison.verdict == Verdict.REGRESSION:
        if p > alpha / 5:
            return f"a regression, but {_judged_p(comparison)} is above alpha/5 = {alpha / 5:g}"
        if worse < threshold * 1.25:
            return (f"a regression, but worse by only {worse:.1%}, just over the "
                    f"{threshold:.0%} threshold")
        return None
    if comparison.verdict in (Verdict.SAME, Verdict.INSUFFICIENT):
        if worse >= threshold * 0.75:
            if comparison.verdict == Verdict.INSUFFICIENT:
                return f"worse by {worse:.1%}, but too few runs yet to test it"
            if p <= alpha:
                return f"worse by {worse:.1%}, just under the {threshold:.0%} threshold"
            return (f"worse by {worse:.1%} (threshold {threshold:.0%}), but "
                    f"{_judged_p(comparison)} is above alpha {alpha:g}")
        width = _imprecision(comparison)
        if width > threshold:
            shown = "unbounded" if width == math.inf else f"±{width:.0%}"
            return f"medians known only to {shown}, wider than the {threshold:.0%} threshold"
    return None


def _judged_p(comparison: Comparison) -> str:
    """The p the verdict was judged by, named: "Holm-adjusted p=0.019" or "p=0.030"."""
    if comparison.p_adjusted is not None and comparison.p_adjusted != comparison.p:
        return f"Holm-adjusted p={comparison.p_adjusted:.3f}"
    assert comparison.p is not None
    return f"p={comparison.p:.3f}"


def _unclear(comparison: Comparison) -> bool:
    """Not clearly "no change": moved by half the threshold or more either way, or too
    imprecise to tell. Exact metrics are always clear."""
    if comparison.exact or comparison.delta is None:
        return False
    return (abs(comparison.delta) >= comparison.threshold / 2
            or _imprecision(comparison) > comparison.threshold)


def _imprecision(comparison: Comparison) -> float:
    """The wider relative half-width of the two medians' confidence intervals (inf when
    unbounded): a median known only to ±8% cannot show a 5% change yet."""
    widest = 0.0
    for summary in (comparison.base, comparison.head):
        if summary is None or summary.center == 0:
            continue
        if not (math.isfinite(summary.low) and math.isfinite(summary.high)):
            return math.inf
        width = max(summary.high / summary.center - 1, 1 - summary.low / summary.center)
        widest = max(widest, abs(width))
    return widest


# -- presenting


def brief(comparison: Comparison) -> str:
    from benchguard.verdict import describe

    delta = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
    p = "" if comparison.p is None else f", p={p_text(comparison)}"
    return f"{describe(comparison.series.bench)} {comparison.series.unit} {delta}{p}"


def p_text(comparison: Comparison) -> str:
    assert comparison.p is not None
    if comparison.p_adjusted is None or comparison.p_adjusted == comparison.p:
        return f"{comparison.p:.3f}"
    return f"{comparison.p:.3f} (Holm {comparison.p_adjusted:.3f})"
