"""A push to the default branch: record a baseline for the pushed commit and share it through the
remote's notes (merged with what others pushed meanwhile, retried, never forced)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import checkout, environment, sinks
from benchguard.ci.environment import Merge, Options
from benchguard.engine.status import Status
from benchguard.progress import Reporter
from benchguard.push import baseline, changes
from benchguard.reports import notes as notes_report
from benchguard.store import sync
from benchguard.store.sync import Synced
from benchguard.tools import git


@dataclass(frozen=True)
class Recorded:
    commit: str
    synced: Synced
    report_path: Path
    summary: str  # what was measured, benchstat-style


def record(repo: Path, merge: Merge, options: Options, environ: Mapping[str, str], *,
           reporter: Reporter) -> Recorded:
    if not git.has_commit(repo, merge.commit):
        checkout.ensure_commits(repo, options.remote, merge.commit, merge.commit,
                                reporter=reporter)
    settings = changes.config_at(repo, merge.commit, options.config_path)
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
    report = (f"### benchguard: baseline for {merge.branch} at `{merge.commit[:12]}`\n\n"
              f"{recorded}; {shared}.\n\n```\n{summary.rstrip()}\n```\n")
    path = environment.report_path(options, environ)
    sinks.report_file(path, report, reporter)
    sinks.step_summary(environ, report, reporter)
    # Nothing was compared: the status says skipped, the baseline is in the report.
    sinks.step_outputs(environ, Status.SKIPPED, 0, path, reporter)
    return Recorded(merge.commit, synced, path, summary)
