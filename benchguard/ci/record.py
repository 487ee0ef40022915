"""A push to the default branch: record a baseline for the pushed commit and share it through the
remote's notes (merged with what others pushed meanwhile, retried, never forced); then say the
change points its results reveal in the branch's history (docs/ci.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import checkout, environment, sinks
from benchguard.ci.environment import Merge, Options
from benchguard.config import Config
from benchguard.engine.status import Status
from benchguard.progress import Reporter, Silent
from benchguard.push import baseline, changes
from benchguard.reports import notes as notes_report
from benchguard.reports.history import changed_line
from benchguard.store import history, sync
from benchguard.store.history import ChangeAt
from benchguard.store.sync import Synced
from benchguard.tools import git
from benchguard.tools.go import Fingerprint


@dataclass(frozen=True)
class Recorded:
    commit: str
    synced: Synced
    report_path: Path
    summary: str  # what was measured, benchstat-style
    # change points the history had not shown before this commit's results
    change_points: tuple[ChangeAt, ...] = ()


def record(repo: Path, merge: Merge, options: Options, environ: Mapping[str, str], *,
           reporter: Reporter) -> Recorded:
    if not git.has_commit(repo, merge.commit):
        checkout.ensure_commits(repo, options.remote, merge.commit, merge.commit,
                                reporter=reporter)
    settings = changes.config_at(repo, merge.commit, options.config_path).with_instrument(
        options.instrument)
    measured = baseline.record_baseline(repo, settings, merge.commit, bench=None,
                                        reporter=reporter)
    assert measured is not None  # not a dry run
    result, _ = measured
    recorded = notes_report.recorded_message(settings, merge.commit, result.fingerprint)
    reporter.progress(recorded)
    synced = sync.sync(repo, options.remote, settings.notes_ref, reporter=reporter)
    shared = notes_report.sync_summary(synced) + (
        f" ({synced.retries} retries: others pushed notes meanwhile)" if synced.retries else "")
    reporter.progress(shared)
    summary = notes_report.render_summary(result.benchmarks)
    checkout.ensure_history(repo, options.remote, merge.commit, history.ANALYSED,
                            reporter=reporter)
    new = new_change_points(repo, settings, merge.commit, result.fingerprint, reporter)
    report = (f"### benchguard: baseline for {merge.branch} at `{merge.commit[:12]}`\n\n"
              f"{recorded}; {shared}.\n\n```\n{summary.rstrip()}\n```\n")
    if new:
        report += "\n#### New change points\n\n" + "".join(
            f"- {changed_line(one, markdown=True)}\n" for one in new)
    path = environment.report_path(options, environ)
    sinks.report_file(path, report, reporter)
    sinks.step_summary(environ, report, reporter)
    # Nothing was compared: the status says skipped, the baseline is in the report.
    sinks.step_outputs(environ, Status.SKIPPED, 0, path, reporter)
    return Recorded(merge.commit, synced, path, summary, tuple(new))


def new_change_points(repo: Path, settings: Config, commit: str, fingerprint: Fingerprint,
                      reporter: Reporter) -> list[ChangeAt]:
    """The change points of this machine's history up to ``commit`` that its results revealed
    (history.new_changes), each told as a warning: a point needs commits on both sides, so it
    often names a commit merged a few merges ago."""
    found = history.baselined(repo, commit, ref=settings.notes_ref, fingerprint=fingerprint,
                              reporter=Silent(), limit=history.ANALYSED)
    if not found or found[-1][0].sha != commit:
        return []
    new = history.new_changes(found, settings.metrics, alpha=settings.alpha,
                              threshold=settings.threshold)
    for one in new:
        reporter.warn(f"new change point: {changed_line(one)}")
    return new
