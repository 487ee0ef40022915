"""Recording a baseline: run the configured benchmarks (every package with benchmarks, in every
module, when none are configured) at a commit and append their record to its note. A baseline
is only useful if it covers what `check` may later select. Selections simulated (instrument
"simulation" or "auto" where valgrind runs) are kept as a simulated record, which serves any
machine with the same toolchain; what simulation cannot see is timed beside them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchguard.config import Config
from benchguard.engine import benchfmt
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import plan, runner, simulating
from benchguard.push.budget import Deadline, seconds_text
from benchguard.push.runner import RunResult, RunSettings, RunSpec, spec_for
from benchguard.push.simulated import Place, Simulation, Simulator
from benchguard.store import notes
from benchguard.store.records import Record
from benchguard.style import plural
from benchguard.tools import git, go, modules
from benchguard.tools.modules import Layout
from benchguard.tools.packages import Snapshot


def record_baseline(repo: Path, settings: Config, commit: str, *, bench: str | None,
                    reporter: Reporter, layout: Layout | None = None, dry_run: bool = False
                    ) -> tuple[RunResult, Record] | None:
    """Run the configured benchmarks (all packages with benchmarks, in every module, when none
    are configured) at ``commit`` (whose modules ``layout`` holds, when already read) and
    append their baseline records to the commit's note — after saying what that should take,
    from earlier runs; returns what ran and the first record (the timed one when something was
    timed). ``dry_run``: say it and run nothing (None)."""
    run_settings = runner.RunSettings.from_config(settings)
    label = commit[:12]
    with git.worktree(repo, commit) as tree:
        instruments = configured_instruments(settings, bench,
                                             layout or modules.at_commit(repo, commit))
        if not instruments:
            specs = benchmarked_specs(repo, commit, tree, bench)
            if not specs:
                raise BenchguardError(f"no package has benchmarks at {label}; nothing to "
                                      "record")
            reporter.progress(f"no [[bench]] entries configured: running all {len(specs)} "
                              "packages with benchmarks")
            instruments = dict.fromkeys(specs, settings.instrument)
        chosen = simulating.chosen(instruments, tree, reporter=reporter)
        timed = [spec for spec in instruments if spec not in chosen]
        expected = _estimate(repo, settings, commit, tree, timed, reporter) if timed else {}
        if dry_run:
            return None
        simulations = _simulate(tree, [spec for spec in instruments if spec in chosen],
                                run_settings, label, reporter)
        timed += [simulating.timed_spec(found.spec, list(found.timed))
                  for found in simulations if found.timed]
        result = runner.run_in_tree(tree, timed, run_settings, label=label, reporter=reporter,
                                    expected=expected) if timed else RunResult(
            "", benchfmt.BenchmarkSet(), go.fingerprint(tree))
    records = _records(commit, result, timed, run_settings, simulations)
    if not records:
        raise BenchguardError(f"no benchmark ran at {label}; nothing was recorded",
                              exit_code=EXIT_BENCH_FAILED)
    notes.NotesStore(repo, settings.notes_ref).append(commit, records)
    for found in simulations:
        if found.package:
            result.packages[found.spec.package] = found.package
    result.benchmarks = benchfmt.merge([result.benchmarks, *(
        found.sides["head"].samples for found in simulations if "head" in found.sides)])
    return result, records[0]


def _estimate(repo: Path, settings: Config, commit: str, tree: Path, specs: list[RunSpec],
              reporter: Reporter) -> dict[RunSpec, float]:
    """Say what measuring ``specs`` should take, from the durations earlier runs recorded
    (push.plan); returns each one's seconds, where known."""
    costs = plan.costs_at(notes.NotesStore(repo, settings.notes_ref), commit, specs,
                          go.fingerprint(tree), settings.benchtime)
    lines, total, unknown = plan.estimate_lines(specs, costs, count=settings.count, sides=1)
    more = f"; {unknown} with no earlier run recorded" if unknown else ""
    reporter.progress(f"measuring {len(specs)} selections at {commit[:12]} (count "
                      f"{settings.count}, benchtime {settings.benchtime}): estimated "
                      f"~{seconds_text(total)}{more}")
    for line in lines:
        reporter.progress(line)
    return {spec: cost.seconds(settings.count, 1) for spec, cost in costs.items()}


def _simulate(tree: Path, specs: list[RunSpec], settings: RunSettings, label: str,
              reporter: Reporter) -> list[Simulation]:
    if not specs:
        return []
    with tempfile.TemporaryDirectory(prefix="benchguard-sim-") as workdir:
        simulator = Simulator(Path(workdir), settings, reporter=reporter,
                              deadline=Deadline("0", None))
        found = [simulator.selection(spec, Place("head", label, tree)) for spec in specs]
    for one in found:
        simulated = len(set(one.iterations) - set(one.timed))
        reporter.progress(f"[{label}] {one.spec.package}: simulated "
                          f"{plural(simulated, 'benchmark')} in {one.seconds:.1f}s"
                          + (f"; timed instead: {', '.join(one.timed)}" if one.timed else ""))
    return found


def _records(commit: str, result: RunResult, timed: list[RunSpec], settings: RunSettings,
             simulations: list[Simulation]) -> list[Record]:
    records = []
    if result.benchmarks.samples:
        records.append(notes.baseline_record(commit, result.fingerprint,
                                             settings.record(timed), result.benchmarks,
                                             load=result.load, durations=result.durations))
    return records + simulating.records(commit, result.fingerprint, settings, simulations)


def configured_instruments(settings: Config, bench: str | None, layout: Layout
                           ) -> dict[RunSpec, str]:
    """One run per package of each [[bench]] entry (``bench`` replaces every pattern), from
    the root of the package's module in ``layout``, with the instrument its entry asks for."""
    found: dict[RunSpec, str] = {}
    for entry in settings.benches:
        for package in entry.packages:
            spec = spec_for(layout, package, bench or entry.pattern, entry.tags)
            found.setdefault(spec, settings.instrument_for(entry))
    return found


def configured_specs(settings: Config, bench: str | None, layout: Layout) -> list[RunSpec]:
    """One run per package of each [[bench]] entry (``bench`` replaces every pattern), from
    the root of the package's module in ``layout``."""
    return list(configured_instruments(settings, bench, layout))


def benchmarked_specs(repo: Path, commit: str, tree: Path, bench: str | None) -> list[RunSpec]:
    """One run per package with benchmarks, in every module go builds at ``commit`` (checked
    out in ``tree``)."""

    snapshot = Snapshot(repo, commit, lambda: tree)
    return [spec_for(snapshot.layout, package.directory, bench or ".")
            for package in snapshot.benchmarked()]
