"""`benchguard report [REV]`: a benchmark report to paste into a pull request (docs/report.md).

The numbers come from the baselines stored in git notes; a commit without one is measured (the
configured benchmarks, in a temporary worktree) and its baseline stored, as `baseline` would.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchguard.commands import add_format, output, repository
from benchguard.config import Config
from benchguard.engine import benchmatch, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.verdict import ComparisonReport
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_USAGE, BenchguardError
from benchguard.push import ranges, runner, selection, targets
from benchguard.push.baseline import benchmarked_specs, configured_specs
from benchguard.push.runner import RunSpec, spec_for
from benchguard.push.status import unchecked_selections
from benchguard.push.targets import Evaluation
from benchguard.reports import benchmark_report as rendering
from benchguard.reports import profile
from benchguard.reports.benchmark_report import Action
from benchguard.store import history, notes, overrides
from benchguard.store.notes import Kind, NotesStore
from benchguard.store.overrides import Override
from benchguard.tools import git, go, modules
from benchguard.tools.go import Fingerprint
from benchguard.tools.modules import Layout


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the commit to report on (default: HEAD)")
    parser.add_argument("--base", metavar="REV",
                        help="compare with REV (default: where `check` would compare, the "
                             "merge-base with the upstream; else the nearest first-parent "
                             "ancestor with a baseline; else REV~1)")
    add_format(parser, "markdown", "json", "text")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--profile", action="store_true",
                        help="profile each regression at base and head and name the functions "
                             "whose share of CPU grew most")
    parser.add_argument("--last", type=int, default=30, metavar="N",
                        help="list the change points of REV's last N first-parent commits "
                             "(default: 30; 0: none), found over a longer history")


@dataclass
class CommitResults:
    """One commit's results: stored, or measured now."""

    commit: str
    benchmarks: BenchmarkSet
    measured: bool
    date: str
    failures: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    if args.last < 0:
        raise BenchguardError("--last must be 0 or more", exit_code=EXIT_USAGE)
    repo, settings = repository(args)
    store = NotesStore(repo, settings.notes_ref)
    fingerprint = go.fingerprint(repo)
    head = git.resolve(repo, args.rev)
    noted = history.noted_commits(repo, store.ref)
    base = git.resolve(repo, args.base) if args.base else ranges.default_base(
        repo, head, has_baseline=lambda commit: commit in noted and store.baseline(
            commit, fingerprint, reporter=output.STDERR) is not None)
    layout = modules.at_commit(repo, head)  # the reported commit's, not the working tree's
    head_side = _results(repo, store, settings, head, fingerprint, "head")
    base_side = _results(repo, store, settings, base, fingerprint, "base") if base else None
    packages = _packages(settings, layout, head_side.benchmarks)
    gate, full = _compare(settings, packages, head_side, base_side)
    actions = _baseline_actions(head_side, base_side)
    actions += _apply_overrides(_stored_overrides(store, head), gate, full)
    report = rendering.BenchReport(
        date=datetime.now(UTC).strftime("%Y-%m-%d"), head=head, base=base,
        benchmarks=head_side.benchmarks, gate=gate, full=full,
        targets=_targets(repo, settings, head_side, packages, layout),
        failures=[*head_side.failures, *(base_side.failures if base_side else [])],
        not_checked=unchecked_selections(store.read(head)[0]),
        profile_hint=f"benchguard profile --base {base[:12]} --head {head[:12]}" if base
        else "benchguard profile")
    actions += _profiles(args, repo, settings, report, _owner(settings, layout, packages))
    report.actions = actions
    if args.last > 0:
        report.last = args.last
        found = history.baselined(repo, head, ref=settings.notes_ref, fingerprint=fingerprint,
                                  reporter=output.STDERR,
                                  limit=max(history.ANALYSED, 3 * args.last))
        report.change_points = history.recent_changes(
            found, settings.metrics, last=args.last, alpha=settings.alpha,
            threshold=settings.threshold)
    _write(args, report)
    return 0


def _compare(settings: Config, packages: dict[str, str], head: CommitResults,
             base: CommitResults | None) -> tuple[ComparisonReport | None,
                                                  ComparisonReport | None]:
    """The configured metrics as `check` judges them (the gate), and every metric (for the
    memory analysis); None without a base."""
    if base is None:
        return None, None
    configured = selection.configured(settings)

    def threshold(key: SeriesKey) -> float:
        return selection.threshold_for(settings, configured, packages, key)

    gate = verdict.compare(base.benchmarks, head.benchmarks, alpha=settings.alpha,
                           threshold=threshold, metrics=settings.metrics_judged or None)
    full = verdict.compare(base.benchmarks, head.benchmarks, alpha=settings.alpha,
                           threshold=threshold)
    return gate, full


def _apply_overrides(allowed: list[Override], gate: ComparisonReport | None,
                     full: ComparisonReport | None) -> list[Action]:
    """The overrides stored on the head let its regressions through, as they did in `check`."""
    if not allowed or gate is None or full is None:
        return []
    actions = [Action(True, f"Regression of {', '.join(allowance.benchmarks)} allowed by "
                            f"`{allowance.override.pattern}`: {allowance.override.reason}")
               for allowance in overrides.apply(gate, allowed)]
    overrides.apply(full, allowed)
    return actions


def _targets(repo: Path, settings: Config, head: CommitResults, packages: dict[str, str],
             layout: Layout) -> Evaluation:
    """The head's [[target]]s; one that matches nothing is an error when the head was measured
    now, and a warning when its numbers are a stored baseline (which may hold fewer)."""
    evaluation = targets.evaluate(settings.targets, head.benchmarks, packages=packages,
                                  layout=layout)
    if head.measured:
        targets.require_matches(settings, evaluation, repo)
    for target in evaluation.unmatched if not head.measured else ():
        output.warn(f"{targets.config_name(settings, repo)}:{target.line}: [[target]] bench = "
                    f"'{target.bench}' matches no benchmark in the stored baseline of "
                    f"{head.commit[:12]}")
    return evaluation


def _profiles(args: argparse.Namespace, repo: Path, settings: Config,
              report: rendering.BenchReport, owner: Callable[[BenchKey], RunSpec | None]
              ) -> list[Action]:
    """Profiles of the regressions: made now with --profile, else those kept earlier."""
    base, head = report.base, report.head
    if args.profile and base and report.gate is not None and report.regressions:
        specs = profile.regressed_specs(report.gate, owner)
        report.profiles = profile.profile(repo, base, head, specs, timeout=settings.timeout,
                                          reporter=output.STDERR)
    else:
        report.profiles = profile.stored(repo, head, base, reporter=output.STDERR)
    if report.profiles:
        return [Action(True, f"Profiles of the regressions kept in "
                             f"`{profile.DIRECTORY / head}`")]
    if report.regressions:
        return [Action(False, "Profiles of the regressions collected (run "
                              "`benchguard report --profile`)")]
    return []


def _write(args: argparse.Namespace, report: rendering.BenchReport) -> None:
    markdown = rendering.render_markdown(report)
    if args.format == "json":
        text = json.dumps(rendering.to_json(report), indent=2) + "\n"
    elif args.format == "text":
        colour = args.output is None and output.use_colour(sys.stdout)
        text = rendering.render_text(report, colour=colour)
    else:
        text = markdown
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        output.progress(f"wrote the report to {args.output}")
    else:
        print(text, end="")
    rendering.append_step_summary(markdown)


def _results(repo: Path, store: NotesStore, settings: Config, commit: str,
             fingerprint: Fingerprint, side: str) -> CommitResults:
    stored = store.baseline(commit, fingerprint, reporter=output.STDERR)
    if stored is not None:
        records, _ = store.read(commit)
        dates = [record.date for record in notes.baseline_sources(records, fingerprint).values()]
        output.progress(f"{side} {commit[:12]}: using its stored baseline")
        return CommitResults(commit, stored, False, max(dates, default=""))
    run_settings = runner.RunSettings.from_config(settings)
    specs = configured_specs(settings, None, modules.at_commit(repo, commit))
    label = f"{side} {commit[:12]}"
    with git.worktree(repo, commit) as tree:
        if not specs:
            specs = benchmarked_specs(repo, commit, tree, None)
        result = runner.run_in_tree(tree, specs, run_settings, label=label, keep_going=True,
                                    reporter=output.STDERR)
    failures = [f"{label} {spec.package}: {error.message}"
                for spec, error in result.failures.items()]
    if not result.benchmarks.samples and not failures:
        raise BenchguardError(f"no benchmark ran at {label}", exit_code=EXIT_BENCH_FAILED)
    record = notes.baseline_record(
        commit, result.fingerprint,
        run_settings.record([spec for spec in specs if spec not in result.failures]),
        result.benchmarks, load=result.load)
    if result.benchmarks.samples:
        store.append(commit, [record])
    return CommitResults(commit, result.benchmarks, bool(result.benchmarks.samples), record.date,
                failures)


def _baseline_actions(head: CommitResults, base: CommitResults | None) -> list[Action]:
    actions = []
    when = head.date[:10] or "unknown date"
    if head.measured:
        actions.append(Action(True, f"Baselines updated (`{head.commit[:12]}`, {when})"))
    else:
        actions.append(Action(False, f"Baselines updated: `{head.commit[:12]}` already had one "
                                     f"(measured {when})"))
    if base is not None and base.measured:
        actions.append(Action(True, f"Baseline recorded for the base `{base.commit[:12]}` "
                                    f"({base.date[:10]})"))
    return actions


def _stored_overrides(store: NotesStore, head: str) -> list[Override]:
    records, _ = store.read(head)
    found = []
    for record in records:
        if record.kind == Kind.OVERRIDE and record.override is not None:
            data = record.override
            found.append(overrides.make(str(data["pattern"]), "a stored override",
                                        f"{data.get('reason', '')} ({data.get('user', '?')})"))
    return found


def _packages(settings: Config, layout: Layout, benchmarks: BenchmarkSet) -> dict[str, str]:
    """"./dir" -> import path for every configured and every measured package."""
    mapping = {}
    for entry in settings.benches:
        for package in entry.packages:
            if (found := layout.import_path(package)) is not None:
                mapping[package] = found
    # the innermost module a measured import path is in gives its directory
    by_path = sorted((module for module in layout.modules if module.path),
                     key=lambda module: -len(module.path))
    for key in benchmarks.samples:
        path = key.bench.package
        module = next((m for m in by_path if path == m.path or path.startswith(m.path + "/")),
                      None)
        if module is not None:
            inner = path[len(module.path):].lstrip("/")
            directory = module.directory if not inner else (
                f"./{inner}" if module.directory == "." else f"{module.directory}/{inner}")
            mapping.setdefault(directory, path)
    return mapping


def _owner(settings: Config, layout: Layout, packages: dict[str, str]
           ) -> Callable[[BenchKey], RunSpec | None]:
    """Which run stored results would have come from: the first [[bench]] entry whose package,
    build tags and -bench pattern give it (benchmatch, Go's rule), else all of its package's."""

    directories = {path: directory for directory, path in packages.items()}

    def owner(bench: BenchKey) -> RunSpec | None:
        for entry in settings.benches:
            for package in entry.packages:
                if (packages.get(package) == bench.package and entry.tags == bench.tags
                        and benchmatch.runs(entry.pattern, bench.name)):
                    return spec_for(layout, package, entry.pattern, entry.tags)
        directory = directories.get(bench.package)
        return None if directory is None else spec_for(layout, directory, ".", bench.tags)

    return owner
