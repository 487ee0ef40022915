"""Check a pull request (GitHub) or merge request (GitLab): its base against its head, side by side
on the runner or against a stored baseline of the base from the same kind of runner; then the
report goes to the report file, the step summary, the step outputs, the fork-safe artifact and
the one pull-request comment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchguard.ci import artifact, checkout, comment, environment, gate, sinks
from benchguard.ci.environment import ALLOW_LABEL, Options, Provider, PullRequest
from benchguard.engine.status import Status, Verdict
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push import branch, ranges
from benchguard.push.outcome import Outcome
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
    delivery = Delivery(request, options, environ, reporter)
    gated = Gated()
    try:
        decided = gated.open(repo, request, options, environ, reporter)
        fetch_notes(repo, decided.config.notes_ref, options, reporter)
        found = ranges.Range(request.name, request.base, request.head, request.kind)
        outcome = branch.check_range(repo, found, [*gated.invoked, *decided.label],
                                    config_path=options.config_path, verbose=options.verbose,
                                    reporter=reporter, budget=options.budget,
                                    config=decided.config, trailers=decided.trailers,
                                    instrument=options.instrument)
    except BenchguardError as error:
        gated.failed(delivery, f"check {request.name}", error)
        raise
    path = delivery.deliver(outcome.status, blocking_count(outcome),
                            render(request, outcome, gated.decided, gated.invoked))
    return Checked(outcome, path)


@dataclass
class Gated:
    """What a request's check knows of its gate so far, said in its report when it fails."""

    decided: gate.Gate | None = None
    invoked: list[overrides.Override] = field(default_factory=list)

    def open(self, repo: Path, request: PullRequest, options: Options,
             environ: Mapping[str, str], reporter: Reporter) -> gate.Gate:
        """The commits fetched, the gate decided and told, the overrides given read."""
        checkout.ensure_commits(repo, options.remote, request.base, request.head,
                                reporter=reporter)
        self.decided = decided = gate.decide(repo, request, options.config_path)
        tell(decided, reporter)
        self.invoked = overrides.from_invocation(repo, environ, options.allow_regression)
        return decided

    def failed(self, delivery: Delivery, what: str, error: BenchguardError) -> None:
        """The report of a check that could not ``what`` ("check pull request #7")."""
        request = delivery.request
        delivery.deliver(Status.ERROR, 0, "\n".join([
            f"### benchguard: {request.name}", "",
            f"**benchguard could not {what}**: {error.message}",
            *gate_sections(self.decided, self.invoked)]) + "\n")


def tell(decided: gate.Gate, reporter: Reporter) -> None:
    """What the gate decided, in the log: what the request asked for and did not get is a
    warning."""
    for said in (*decided.configuration, *decided.overrides):
        text = said.text.replace("**", "").replace("`", "'")
        (reporter.warn if said.refused else reporter.progress)(text)


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


def render(request: PullRequest, outcome: Outcome, decided: gate.Gate | None = None,
           invoked: Sequence[overrides.Override] = ()) -> str:
    """The markdown report: heading, the check's own markdown, which configuration decided it,
    every override (counted or not, and why), what overrides let through."""
    lines = [f"### benchguard: {request.name}", "",
             f"`{request.base[:12]}` (base) against `{request.head[:12]}` (head)", "",
             check_report.render_markdown(outcome).rstrip("\n"),
             *gate_sections(decided, invoked)]
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


def gate_sections(decided: gate.Gate | None, invoked: Sequence[overrides.Override]
                   ) -> list[str]:
    """**Configuration** (what the request changes in benchguard.toml, and which settings
    decided) and **Overrides** (each one, counted or not): markdown lines."""
    if decided is None:
        return []
    lines = []
    if decided.configuration:
        lines += ["", "**Configuration**", "",
                  *(f"- {said.text}" for said in decided.configuration)]
    given = [f"`{override.pattern}` ({override.source}): counted" for override in invoked]
    if decided.overrides or given:
        lines += ["", "**Overrides**", "",
                  *(f"- {line}" for line in (*(said.text for said in decided.overrides),
                                             *given))]
    return lines


def fetch_notes(repo: Path, ref: str, options: Options, reporter: Reporter) -> None:
    """The remote's baselines: one recorded for the base on this kind of runner spares
    measuring the base again."""
    try:
        fetched = sync.fetch(repo, options.remote, ref)
    except BenchguardError as error:
        reporter.warn(f"cannot fetch {ref} from {options.remote} ({error.message}); "
                      "measuring the base side by side")
        return
    if not fetched:
        reporter.progress(f"{options.remote} has no {ref} yet: no stored baselines")


@dataclass
class Delivery:
    request: PullRequest
    options: Options
    environ: Mapping[str, str]
    reporter: Reporter

    def deliver(self, status: Status, regressions: int, report: str) -> Path:
        """Write the report everywhere it goes, each place on its own (sinks.alone); the
        report file's path."""
        path = environment.report_path(self.options, self.environ)
        sinks.report_file(path, report, self.reporter)
        if self.options.artifact_dir:
            directory = Path(self.options.artifact_dir)
            with sinks.alone(f"the artifact in {directory}", self.reporter):
                artifact.write(directory, artifact.Artifact(
                    self.request.number, status, regressions, self.request.base,
                    self.request.head), report)
                self.reporter.progress(f"artifact for the comment written to {directory}")
        if self.request.provider != Provider.GITHUB:
            return path
        sinks.step_summary(self.environ, report, self.reporter)
        sinks.step_outputs(self.environ, status, regressions, path, self.reporter)
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
