"""Recording a baseline: run the configured benchmarks (every package with benchmarks, in every
module, when none are configured) at a commit and append their record to its note. A baseline
is only useful if it covers what `check` may later select."""

from __future__ import annotations

from pathlib import Path

from benchguard.config import Config
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import runner
from benchguard.push.runner import RunResult, RunSettings, RunSpec, spec_for
from benchguard.store import notes
from benchguard.store.records import Record
from benchguard.tools import git, modules
from benchguard.tools.modules import Layout
from benchguard.tools.packages import Snapshot


def record_baseline(repo: Path, settings: Config, commit: str, *, bench: str | None,
                    reporter: Reporter, layout: Layout | None = None
                    ) -> tuple[RunResult, Record]:
    """Run the configured benchmarks (all packages with benchmarks, in every module, when none
    are configured) at ``commit`` (whose modules ``layout`` holds, when already read) and
    append their baseline record to the commit's note."""

    run_settings = runner.RunSettings.from_config(settings)
    specs = configured_specs(settings, bench, layout or modules.at_commit(repo, commit))
    label = commit[:12]
    if specs:
        result = runner.run_commit(repo, commit, specs, run_settings, label=label,
                                   reporter=reporter)
    else:
        result = _run_every_package(repo, commit, run_settings, bench, label, reporter)
        specs = list(result.by_spec)
    if not result.benchmarks.samples:
        raise BenchguardError(f"no benchmark ran at {label}; nothing was recorded",
                              exit_code=EXIT_BENCH_FAILED)
    record = notes.baseline_record(commit, result.fingerprint, run_settings.record(specs),
                                   result.benchmarks, load=result.load,
                                   durations=result.durations)
    notes.NotesStore(repo, settings.notes_ref).append(commit, [record])
    return result, record


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


def _run_every_package(repo: Path, commit: str, run_settings: RunSettings, bench: str | None,
                       label: str, reporter: Reporter) -> RunResult:
    with git.worktree(repo, commit) as tree:
        specs = benchmarked_specs(repo, commit, tree, bench)
        if not specs:
            raise BenchguardError(f"no package has benchmarks at {label}; nothing to record")
        reporter.progress(f"no [[bench]] entries configured: running all {len(specs)} "
                          "packages with benchmarks")
        return runner.run_in_tree(tree, specs, run_settings, label=label, reporter=reporter)
