"""Where a CI run's report goes — the report file, the artifact, the step summary, the step
outputs, the comment — each written on its own: one that cannot be written (a full disk, a path
that is not a directory) is a warning, the others are still written, and the run's exit status
stays its verdict's (docs/ci.md). Every text is masked (benchguard.redact) on its way out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from benchguard.ci import github
from benchguard.engine.status import Status
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.redact import redact
from benchguard.reports import benchmark_report


@contextlib.contextmanager
def alone(what: str, reporter: Reporter) -> Iterator[None]:
    """Write ``what`` (\"the step summary /path\") in the block; a failure is told to
    ``reporter`` as a warning and goes no further."""
    try:
        yield
    except (OSError, BenchguardError) as error:
        reason = error.message if isinstance(error, BenchguardError) else \
            error.strerror or str(error)
        reporter.warn(f"could not write {what}: {reason}; the rest of the report is written")


def report_file(path: Path, report: str, reporter: Reporter) -> None:
    """The markdown report file."""
    with alone(f"the report file {path}", reporter):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redact(report), encoding="utf-8")
        reporter.progress(f"report written to {path}")


def step_summary(environ: Mapping[str, str], markdown: str, reporter: Reporter) -> None:
    """``markdown`` appended to the step summary, when the step has one."""
    with alone(f"the step summary {environ.get('GITHUB_STEP_SUMMARY')}", reporter):
        benchmark_report.append_step_summary(markdown)


def step_outputs(environ: Mapping[str, str], status: Status, regressions: int,
                 report_path: Path, reporter: Reporter) -> None:
    """The step's outputs (docs/ci.md), when the step has a GITHUB_OUTPUT file."""
    with alone(f"the step outputs {environ.get('GITHUB_OUTPUT')}", reporter):
        github.report_outputs(environ, status, regressions, report_path)
