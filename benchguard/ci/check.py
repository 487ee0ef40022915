"""Check a pull request (GitHub) or merge request (GitLab): its base against its head, side by side
on the runner or against a stored baseline of the base from the same kind of runner; then the
report goes to the report file, the step summary, the step outputs, the fork-safe artifact and
the one pull-request comment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import artifact, checkout, comment, environment, github
from benchguard.ci.environment import ALLOW_LABEL, Options, Provider, PullRequest
from benchguard.engine.status import Status, Verdict
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push import branch, changes, ranges
from benchguard.push.outcome import Outcome
from benchguard.reports import benchmark_report
from benchguard.reports import check as check_report
from benchguard.store import overrides, sync


@dataclass(frozen=True)
class Checked:
    outcome: Outcome
    report_path: Path


def check(repo: Path, request: PullRequest, options: Options, environ: Mapping[str, str], *,
          reporter: Reporter) -> Checked:
    """Measure ``request`` and deliver its report. A check that cannot run (a build failure,
    a commit that cannot be fetched) is still reported, then its error is raised again."""
    delivery = _Delivery(request, options, environ, reporter)
    try:
        checkout.ensure_commits(repo, options.remote, request.base, request.head,
                                reporter=reporter)
        _fetch_notes(repo, request, options, reporter)
        given = [*overrides.from_invocation(repo, environ, options.allow_regression),
                 *label_overrides(request)]
        found = ranges.Range(request.name, request.base, request.head, request.kind)
        outcome = branch.check_range(repo, found, given, config_path=options.config_path,
                                    verbose=options.verbose, reporter=reporter,
                                    budget=options.budget, instrument=options.instrument)
    except BenchguardError as error:
        delivery.deliver(Status.ERROR, 0, f"### benchguard: {request.name}\n\n**benchguard "
                         f"could not check {request.name}**: {error.message}\n")
        raise
    path = delivery.deliver(outcome.status, blocking_count(outcome), render(request, outcome))
    return Checked(outcome, path)


def label_overrides(request: PullRequest) -> list[overrides.Override]:
    """The `benchguard:allow` label lets every regression of the request through: only people
    who may triage the repository can label (a fork's author cannot), and it is said in the
    report and recorded in the head commit's notes like any override."""
    if ALLOW_LABEL not in request.labels:
        return []
    return [overrides.make(".", f"the {ALLOW_LABEL} label of {request.name}",
                           "a maintainer labelled the request")]


def blocking_count(outcome: Outcome) -> int:
    """Regressions nobody allowed, and enforced targets missed: what makes the status a
    regression."""
    if outcome.report is None:
        return 0
    count = sum(1 for comparison in outcome.report.comparisons
                if comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is None)
    return count + (len(outcome.targets.blocking) if outcome.targets is not None else 0)


def how_to_allow(request: PullRequest) -> str:
    return (f"to let it through: label the {request.kind} {ALLOW_LABEL}, or add a "
            f"'{overrides.TRAILER}: <regex> <reason>' trailer to one of its commits")


def render(request: PullRequest, outcome: Outcome) -> str:
    """The markdown report: heading, the check's own markdown, what overrides let through."""
    lines = [f"### benchguard: {request.name}", "",
             f"`{request.base[:12]}` (base) against `{request.head[:12]}` (head)", "",
             check_report.render_markdown(outcome).rstrip("\n")]
    if outcome.allowed:
        lines += ["", "**Allowed regressions**", ""]
        lines += [f"- `{allowance.override.pattern}` ({allowance.override.source}"
                  + (f": {allowance.override.reason}" if allowance.override.reason else "")
                  + f"): {', '.join(f'`{name}`' for name in allowance.benchmarks)}"
                  for allowance in outcome.allowed]
    if blocking_count(outcome):
        lines += ["", f"To let it through: label the {request.kind} `{ALLOW_LABEL}`, or add a "
                  f"`{overrides.TRAILER}: <regex> <reason>` trailer to one of its commits."]
    return "\n".join(lines) + "\n"


def _fetch_notes(repo: Path, request: PullRequest, options: Options,
                 reporter: Reporter) -> None:
    """The remote's baselines: one recorded for the base on this kind of runner spares
    measuring the base again."""
    ref = changes.config_at(repo, request.head, options.config_path).notes_ref
    try:
        fetched = sync.fetch(repo, options.remote, ref)
    except BenchguardError as error:
        reporter.warn(f"cannot fetch {ref} from {options.remote} ({error.message}); "
                      "measuring the base side by side")
        return
    if not fetched:
        reporter.progress(f"{options.remote} has no {ref} yet: no stored baselines")


@dataclass
class _Delivery:
    request: PullRequest
    options: Options
    environ: Mapping[str, str]
    reporter: Reporter

    def deliver(self, status: Status, regressions: int, report: str) -> Path:
        """Write the report everywhere it goes; the report file's path."""

        path = environment.report_path(self.options, self.environ)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report, encoding="utf-8")
        self.reporter.progress(f"report written to {path}")
        if self.options.artifact_dir:
            directory = Path(self.options.artifact_dir)
            artifact.write(directory, artifact.Artifact(
                self.request.number, status, regressions, self.request.base, self.request.head),
                report)
            self.reporter.progress(f"artifact for the comment written to {directory}")
        if self.request.provider != Provider.GITHUB:
            return path
        benchmark_report.append_step_summary(report)
        github.report_outputs(self.environ, status, regressions, path)
        if self.options.comment:
            self._comment(status, report)
        return path

    def _comment(self, status: Status, report: str) -> None:
        try:
            context = environment.github(self.environ)
        except BenchguardError as error:
            self.reporter.warn(f"no comment posted: {error.message}")
            return
        header = f"[workflow run]({context.run_url})\n\n" if context.run_url else ""
        comment.post(context, self.request.number, comment.body(report, header=header),
                     author=self.options.comment_author, create=status != Status.SKIPPED,
                     reporter=self.reporter)
