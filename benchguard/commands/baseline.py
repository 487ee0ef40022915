"""`benchguard baseline [REV]`: run the configured benchmarks at a commit and record them in notes.

With no [[bench]] entries configured, every package of the module that has benchmarks is run:
a baseline is only useful if it covers what `check` may later select.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard.commands import add_format, repository

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.engine.benchfmt import BenchmarkSet
    from benchguard.progress import Reporter
    from benchguard.push.runner import RunResult, RunSettings, RunSpec
    from benchguard.store.records import Record
    from benchguard.tools.go import Fingerprint
    from benchguard.tools.modules import Layout


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the commit to measure (default: HEAD); it is checked out in a "
                             "temporary worktree, your working tree is not touched")
    parser.add_argument("--bench", metavar="REGEX",
                        help="run only benchmarks matching REGEX (replaces the pattern of every "
                             "[[bench]] entry)")
    parser.add_argument("--push", nargs="?", const="origin", metavar="REMOTE",
                        help="then share the notes with REMOTE (default: origin), as `sync` does")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from benchguard import JSON_VERSION
    from benchguard.commands import output, sync
    from benchguard.push import targets
    from benchguard.store import notes
    from benchguard.tools import git, modules

    repo, settings = repository(args)
    commit = git.resolve(repo, args.rev)
    layout = modules.at_commit(repo, commit)
    result, record = record_baseline(repo, settings, commit, bench=args.bench,
                                     reporter=output.STDERR, layout=layout)
    if args.format == "text":
        print(render_summary(result.benchmarks), end="")
    output.progress(recorded_message(settings, commit, result.fingerprint))
    synced = None
    if args.push:
        synced = notes.sync(repo, args.push, settings.notes_ref, reporter=output.STDERR)
        output.progress(sync.summary(synced))
    # Report-only here: a baseline records what is, an enforced miss blocks only `check`.
    evaluation = targets.evaluate(settings.targets, result.benchmarks,
                                  packages=result.packages, layout=layout)
    if args.format == "json":
        print(json.dumps({
            "version": JSON_VERSION, "commit": commit, "ref": settings.notes_ref,
            "date": record.date, "fingerprint": dataclasses.asdict(result.fingerprint),
            "settings": record.settings, "load": record.load,
            "benchmarks": summary_json(result.benchmarks),
            "targets": targets.to_json(evaluation),
            "pushed": None if synced is None else sync.to_json(synced),
            "warnings": result.warnings,
        }, indent=2))
    elif lines := targets.render_text(evaluation, hint=False):
        print("\n".join(lines))
    if args.bench is None:
        targets.require_matches(settings, evaluation, repo)
    return 0


def record_baseline(repo: Path, settings: Config, commit: str, *, bench: str | None,
                    reporter: Reporter, layout: Layout | None = None
                    ) -> tuple[RunResult, Record]:
    """Run the configured benchmarks (all packages with benchmarks, in every module, when none
    are configured) at ``commit`` (whose modules ``layout`` holds, when already read) and
    append their baseline record to the commit's note."""
    from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
    from benchguard.push import runner
    from benchguard.store import notes
    from benchguard.tools import modules

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


def recorded_message(settings: Config, commit: str, fingerprint: Fingerprint) -> str:
    return (f"recorded a baseline for {commit[:12]} in {settings.notes_ref} "
            f"({describe_fingerprint(fingerprint)})")


def configured_specs(settings: Config, bench: str | None, layout: Layout) -> list[RunSpec]:
    """One run per package of each [[bench]] entry (``bench`` replaces every pattern), from
    the root of the package's module in ``layout``."""
    from benchguard.push.runner import spec_for

    specs = [spec_for(layout, package, bench or entry.pattern, entry.tags)
             for entry in settings.benches for package in entry.packages]
    return list(dict.fromkeys(specs))


def benchmarked_specs(repo: Path, commit: str, tree: Path, bench: str | None) -> list[RunSpec]:
    """One run per package with benchmarks, in every module go builds at ``commit`` (checked
    out in ``tree``)."""
    from benchguard.push.runner import spec_for
    from benchguard.tools.packages import Snapshot

    snapshot = Snapshot(repo, commit, lambda: tree)
    return [spec_for(snapshot.layout, package.directory, bench or ".")
            for package in snapshot.benchmarked()]


def _run_every_package(repo: Path, commit: str, run_settings: RunSettings, bench: str | None,
                       label: str, reporter: Reporter) -> RunResult:
    from benchguard.errors import BenchguardError
    from benchguard.push import runner
    from benchguard.tools import git

    with git.worktree(repo, commit) as tree:
        specs = benchmarked_specs(repo, commit, tree, bench)
        if not specs:
            raise BenchguardError(f"no package has benchmarks at {label}; nothing to record")
        reporter.progress(f"no [[bench]] entries configured: running all {len(specs)} "
                          "packages with benchmarks")
        return runner.run_in_tree(tree, specs, run_settings, label=label, reporter=reporter)


def describe_fingerprint(fingerprint: Fingerprint) -> str:
    from benchguard.style import printable

    return printable(f"{fingerprint.goos}/{fingerprint.goarch}, {fingerprint.go_version}, "
                     f"GOMAXPROCS={fingerprint.gomaxprocs}, {fingerprint.cpu}")


def render_summary(benchmarks: BenchmarkSet) -> str:
    """A benchstat-style single column per package and unit: each benchmark's median ± its 95%
    confidence interval, as `benchstat` prints one file."""
    from benchguard.engine import stats
    from benchguard.engine.names import tags_line
    from benchguard.engine.units import format_value, range_percent
    from benchguard.style import printable

    builds: dict[tuple[str, tuple[str, ...]], dict[str, list[tuple[str, list[float]]]]] = {}
    for key, values in benchmarks.samples.items():
        if values:
            label = printable(key.bench.short_label)
            units = builds.setdefault((key.bench.package, key.bench.tags), {})
            units.setdefault(printable(key.unit), []).append((label, values))
    blocks = []
    for (package, tags), units in builds.items():
        lines = [f"pkg: {printable(package)}"] if package else []
        if tags:
            lines.append(printable(tags_line(tags)))
        header = len(lines)
        for unit, rows in units.items():
            summaries = [(label, stats.summarize(values)) for label, values in rows]
            # each value on its own scale, as benchstat scales each row of one file
            cells = [(label, f"{format_value(summary.center, unit)} ± {range_percent(summary)}")
                     for label, summary in summaries]
            name_width = max(len(label) for label, _ in cells)
            cell_width = max(len(unit), *(len(cell) for _, cell in cells)) + 2
            if len(lines) > header:
                lines.append("")
            lines.append(f"{'':{name_width}} │{unit:^{cell_width}}│")
            lines += [f"{label:<{name_width}}  {cell:>{cell_width - 1}}" for label, cell in cells]
        blocks.append("\n".join(lines))
    return "".join(block + "\n\n" for block in blocks)


def summary_json(benchmarks: BenchmarkSet) -> list[dict[str, Any]]:
    """render_summary's numbers for scripts (docs/json.md, "show")."""
    from benchguard.engine import stats

    rows = []
    for key, values in benchmarks.samples.items():
        summary = stats.summarize(values) if values else None
        rows.append({
            "package": key.bench.package, "name": key.bench.name, "procs": key.bench.procs,
            "tags": list(key.bench.tags), "unit": key.unit, "n": len(values), "values": values,
            "center": summary.center if summary else None,
            "low": _finite(summary.low) if summary else None,
            "high": _finite(summary.high) if summary else None,
        })
    return rows


def _finite(value: float) -> float | None:
    import math

    return value if math.isfinite(value) else None
