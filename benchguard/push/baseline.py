"""Recording a baseline: run the configured benchmarks (every package with benchmarks, in every
module, when none are configured) at a commit and append their record to its note. A baseline
is only useful if it covers what `check` may later select."""

from __future__ import annotations

from pathlib import Path

from benchguard.config import Config
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import plan, runner
from benchguard.push.budget import seconds_text
from benchguard.push.runner import RunResult, RunSpec, spec_for
from benchguard.store import notes
from benchguard.store.records import Record
from benchguard.tools import git, go, modules
from benchguard.tools.modules import Layout
from benchguard.tools.packages import Snapshot


def record_baseline(repo: Path, settings: Config, commit: str, *, bench: str | None,
                    reporter: Reporter, layout: Layout | None = None, dry_run: bool = False
                    ) -> tuple[RunResult, Record] | None:
    """Run the configured benchmarks (all packages with benchmarks, in every module, when none
    are configured) at ``commit`` (whose modules ``layout`` holds, when already read) and
    append their baseline record to the commit's note — after saying what that should take,
    from earlier runs. ``dry_run``: say it and run nothing (None)."""
    run_settings = runner.RunSettings.from_config(settings)
    label = commit[:12]
    with git.worktree(repo, commit) as tree:
        specs = configured_specs(settings, bench, layout or modules.at_commit(repo, commit))
        if not specs:
            specs = benchmarked_specs(repo, commit, tree, bench)
            if not specs:
                raise BenchguardError(f"no package has benchmarks at {label}; nothing to "
                                      "record")
            reporter.progress(f"no [[bench]] entries configured: running all {len(specs)} "
                              "packages with benchmarks")
        expected = _estimate(repo, settings, commit, tree, specs, reporter)
        if dry_run:
            return None
        result = runner.run_in_tree(tree, specs, run_settings, label=label, reporter=reporter,
                                    expected=expected)
    if not result.benchmarks.samples:
        raise BenchguardError(f"no benchmark ran at {label}; nothing was recorded",
                              exit_code=EXIT_BENCH_FAILED)
    record = notes.baseline_record(commit, result.fingerprint, run_settings.record(specs),
                                   result.benchmarks, load=result.load,
                                   durations=result.durations)
    notes.NotesStore(repo, settings.notes_ref).append(commit, [record])
    return result, record


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


def configured_specs(settings: Config, bench: str | None, layout: Layout) -> list[RunSpec]:
    """One run per package of each [[bench]] entry (``bench`` replaces every pattern), from
    the root of the package's module in ``layout``."""

    specs = [spec_for(layout, package, bench or entry.pattern, entry.tags)
             for entry in settings.benches for package in entry.packages]
    return list(dict.fromkeys(specs))


def benchmarked_specs(repo: Path, commit: str, tree: Path, bench: str | None) -> list[RunSpec]:
    """One run per package with benchmarks, in every module go builds at ``commit`` (checked
    out in ``tree``)."""

    snapshot = Snapshot(repo, commit, lambda: tree)
    return [spec_for(snapshot.layout, package.directory, bench or ".")
            for package in snapshot.benchmarked()]
