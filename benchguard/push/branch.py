"""The check of one pushed branch: what it changes, select, plan (benchguard.push.plan), measure
within the push's time budget (benchguard.push.measure), decide, keep what a passing check measured,
and say so in text, JSON or markdown (docs/check.md). The check command prepares every branch of
a push, then finishes them, with a Reporter; nothing here prints."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import JSON_VERSION, config
from benchguard import config as configuration
from benchguard.engine import verdict
from benchguard.engine.ledger import how_decided
from benchguard.engine.names import run_name
from benchguard.engine.status import Status, Verdict
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_REGRESSION, BenchguardError
from benchguard.push import measure, ranges, selection, targets
from benchguard.push.budget import Deadline, Unchecked
from benchguard.push.measure import Measured
from benchguard.reports import table
from benchguard.store import notes, overrides
from benchguard.style import paint, plural, printable
from benchguard.tools import git, git_objects
from benchguard.tools.packages import Snapshot

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.engine.decision import Decision
    from benchguard.engine.verdict import Comparison, ComparisonReport
    from benchguard.progress import Reporter
    from benchguard.push.plan import Plan
    from benchguard.push.selection import Selection
    from benchguard.push.targets import Evaluation


@dataclass
class Outcome:
    """What checking one pushed branch found: nothing to check (no report), a measurement that
    failed while on_error = "warn" let the push through, or a comparison and its targets."""

    range: ranges.Range
    message: str = ""  # why it was skipped or failed
    failed: bool = False
    selection: Selection | None = None
    report: ComparisonReport | None = None
    allowed: list[overrides.Allowance] = field(default_factory=list)
    measured: Measured | None = None
    targets: Evaluation | None = None  # [[target]]s of the benchmarks that ran at head
    plan: Plan | None = None  # made before measuring
    # what the time budget left unchecked, and what that does to the push (config's on_budget)
    unchecked: list[Unchecked] = field(default_factory=list)
    budget: str = ""
    on_budget: str = "warn"
    deadline: Deadline | None = None
    # selections that could not be measured (go could not load or build them), each a line
    failures: list[str] = field(default_factory=list)
    blocked_by_failures: bool = False  # on_error = "block" and some selection failed

    @property
    def status(self) -> Status:
        if self.failed:
            return Status.ERROR
        if self.report is None:
            return Status.SKIPPED
        blocked = self.targets is not None and bool(self.targets.blocking)
        if blocked or self.report.status == Status.REGRESSION:
            return Status.REGRESSION
        if self.failures:
            return Status.ERROR
        return Status.INCOMPLETE if self.unchecked else Status.PASS

    @property
    def exit_code(self) -> int:
        # Without a report it was skipped or failed: said without importing the statistics,
        # which a push that touches no Go code does not pay for.
        if self.report is None:
            return 0

        if self.status == Status.REGRESSION:
            return EXIT_REGRESSION
        if self.blocked_by_failures:
            return EXIT_BENCH_FAILED
        return EXIT_REGRESSION if self.blocked_by_budget else 0

    @property
    def blocked_by_budget(self) -> bool:
        return bool(self.unchecked) and self.on_budget == "block"

    def to_json(self) -> dict[str, Any]:
        data = report_json(self.report)
        data.update({
            "status": self.status.value,
            "ref": self.range.ref,
            "base": self.range.base,
            "head": self.range.head,
            **_selection_json(self.selection),
            "failed": self.failures,
            "allowed": [{"pattern": a.override.pattern, "source": a.override.source,
                         "reason": a.override.reason, "benchmarks": list(a.benchmarks)}
                        for a in self.allowed],
        })
        if self.measured is not None:
            data["rounds"] = {selection: rounds.to_json()
                              for selection, rounds in self.measured.rounds.items()}
            data["confirmations"] = [
                {"package": c.stored.series.bench.package, "name": c.stored.series.bench.name,
                 "procs": c.stored.series.bench.procs, "tags": list(c.stored.series.bench.tags),
                 "metric": c.stored.series.unit,
                 "stored": _brief_json(c.stored), "fresh": _brief_json(c.fresh)}
                for c in self.measured.confirmations]
        if self.targets is not None:

            data["targets"] = targets.to_json(self.targets)
        data["plan"] = None if self.plan is None else self.plan.to_json()
        data["unchecked"] = [unchecked.to_json() for unchecked in self.unchecked]
        if self.deadline is not None:
            at = self.deadline.wall_clock()
            data["budget"] = {"budget": self.budget, "on_budget": self.on_budget,
                              "deadline": None if at is None else round(at, 3)}
        if self.message:
            data["message"] = self.message
        return data

    def render_text(self, *, colour: bool, blocked: str = "the push",
                    how_to_allow: str | None = None) -> str:
        """The check as text; a regression blocks ``blocked``, and ``how_to_allow`` replaces
        the line saying how to push anyway (`benchguard ci` says how to let a pull request
        through)."""
        if self.report is None:
            return f"benchguard: {self.range.ref}: {self.message}"

        lines = []
        if self.report.comparisons or not self.unchecked:  # else the budget left it all
            lines.append(table.render_text(self.report, colour=colour).rstrip("\n"))
        if self.failures:

            count = len(self.failures)
            effect = "blocks the push" if self.blocked_by_failures else \
                'does not block the push (on_error = "warn")'
            lines += ["", paint(f"ERROR: {plural(count, 'selection')} could not "
                                f"be measured, which {effect}; the rest was compared above:",
                                "red" if self.blocked_by_failures else "yellow", enabled=colour)]
            lines += [f"  not measured: {printable(failure)}" for failure in self.failures]
        lines += _noise_lines(self.report, self.measured)
        lines += _regression_table(self.report, colour=colour, blocked=blocked,
                                   how_to_allow=how_to_allow)
        if self.targets is not None:

            lines += targets.render_text(self.targets, colour=colour)
        if self.unchecked:
            lines += ["", *self._unchecked_lines(colour=colour)]
        return "\n".join(lines).strip("\n")

    def _unchecked_lines(self, *, colour: bool) -> list[str]:
        """What the time budget left unchecked, loudly, and what that does to the push."""
        if not self.unchecked:
            return []

        count = len(self.unchecked)
        title = (f"NOT CHECKED: {plural(count, 'selection')} of "
                 f"{self.range.ref} did not fit the time budget ({self.budget}):")
        lines = [paint(printable(title), "red" if self.blocked_by_budget else "yellow",
                       enabled=colour)]
        for unchecked in self.unchecked:
            name = run_name(unchecked.package, unchecked.pattern, unchecked.tags)
            lines.append(printable(f"  {name}: {unchecked.reason}"))
        if self.blocked_by_budget:
            lines.append(f'on_budget = "block": the push is blocked; raise budget (now '
                         f'"{self.budget}") in benchguard.toml, or push anyway with '
                         "BENCHGUARD_SKIP=1 git push")
        else:
            lines.append('on_budget = "warn": the push goes ahead without them (recorded in '
                         "the notes); raise budget in benchguard.toml to check them")
        return lines

    def render_markdown(self) -> str:
        if self.report is None:
            return f"**benchguard** `{self.range.ref}`: {self.message}"

        lines = [table.render_markdown(self.report).rstrip("\n"), ""]
        for line in _noise_lines(self.report, self.measured):
            if line.startswith("  ") and lines[-1].startswith("- "):  # continues the bullet
                lines[-1] += " " + line.strip()
            else:
                lines.append(f"- {line}")

        for s in self.selection.selected if self.selection else ():
            lines.append(printable(f"- `{s.package}` `{s.pattern}`: {s.reason}"))
        for unchecked in self.unchecked:
            lines.append(printable(f"- **not checked** (time budget {self.budget}): "
                                   f"`{unchecked.package}` `{unchecked.pattern}`: "
                                   f"{unchecked.reason}"))
        lines += [f"- not measured: {printable(failure)}" for failure in self.failures]
        for one in self.selection.uncovered if self.selection else ():
            lines.append(printable(f"- not covered by any benchmark: `{one.path}`: {one.why}"))
        if self.targets is not None:

            lines += targets.render_markdown(self.targets)
        return "\n".join(lines)


@dataclass
class Prepared:
    """One pushed branch up to its plan — or its outcome already, when there is nothing to
    measure (nothing selected, a docs-only or configuration-only push, no base)."""

    range: ranges.Range
    outcome: Outcome | None = None
    config: Config | None = None
    allow: list[overrides.Override] = field(default_factory=list)
    selection: Selection | None = None
    measurement: measure.Measurement | None = None
    plan: Plan | None = None
    deadline: Deadline | None = None

    def to_json(self) -> dict[str, Any]:
        """`check --dry-run --format json`: one branch's plan."""
        found = self.range
        data: dict[str, Any] = {"ref": found.ref, "base": found.base, "head": found.head}
        if self.outcome is not None:
            data.update({"status": self.outcome.status.value, "message": self.outcome.message})
        data.update(_selection_json(self.selection))
        data["plan"] = None if self.plan is None else self.plan.to_json()
        return data

    def render_text(self) -> str:
        """`check --dry-run`: one branch's plan for people."""
        if self.outcome is not None or self.plan is None:
            message = self.outcome.message if self.outcome is not None else ""
            return f"benchguard: {self.range.ref}: {message} (dry run)"

        lines = [f"benchguard: {self.range.ref}: the plan (dry run: nothing is built or run)"]
        lines += [printable(line) for line in self.plan.lines(git.short(self.range.base))]
        return "\n".join(lines)


def prepare(repo: Path, found: ranges.Range, given: Sequence[overrides.Override], *,
            config_path: str | None, verbose: bool, reporter: Reporter,
            stack: contextlib.ExitStack, any_machine: bool = False,
            started: float | None = None, planned_before: float = 0.0,
            budget: str | None = None) -> Prepared:
    """What one pushed range changes, its configuration (checked: a broken one exits 2), which
    benchmarks that selects and the plan for measuring them: runs `go list` and reads the
    notes, never builds or runs a benchmark. The deadline counts from ``started`` (the push's
    start: every branch shares it); the plan leaves the ``planned_before`` seconds earlier
    branches' plans need. ``stack`` keeps the head's worktree until the check is finished.
    ``budget`` replaces the configuration's `budget` (`benchguard ci --budget`)."""
    push = _what_to_compare(repo, found, reporter)
    if isinstance(push, Outcome):
        return Prepared(found, outcome=push)
    config, allow = _config_and_overrides(repo, push, given, config_path, reporter)
    if budget is not None:
        config = dataclasses.replace(config, budget=budget)
    reporter.progress(push.summary)
    if _only_configuration(repo, push, config_path):
        return Prepared(found, config=config, outcome=Outcome(
            found, "only benchguard.toml changed: the new configuration is valid, and no "
                   "benchmark changes with it; nothing to measure"))
    head = _Worktree(repo, found.head, stack)
    try:
        chosen = _select(config, push, head, verbose, reporter)
        if not chosen.selected and not chosen.failed:
            return Prepared(found, config=config, selection=chosen, outcome=Outcome(
                found, f"no benchmarks affected by {plural(len(push.changed), 'changed file')}; "
                       "nothing to check", selection=chosen))
        _raise_if_all_failed(chosen, None)
        measurement = measure.Measurement(repo, found, config, chosen, head.path(), stack,
                                          reporter=reporter, any_machine=any_machine)
        deadline = Deadline.starting(config.budget, started)
        planned = measurement.plan(max(0.0, deadline.remaining() - planned_before))
    except BenchguardError as error:
        return Prepared(found, config=config, outcome=_failed(found, config, error, reporter))
    return Prepared(found, config=config, allow=allow, selection=chosen,
                    measurement=measurement, plan=planned, deadline=deadline)


def finish(prepared: Prepared, *, reporter: Reporter) -> Outcome:
    """Measure a prepared range within its deadline, compare, apply the overrides, check the
    head's targets, and keep what a check that lets the push through measured: the head's
    samples on the pushed commit, and which selections the budget left unchecked."""
    if prepared.outcome is not None:
        return prepared.outcome
    found, config, measurement = prepared.range, prepared.config, prepared.measurement
    chosen = prepared.selection
    assert config is not None and measurement is not None and chosen is not None
    try:
        measured = measurement.run(prepared.deadline, prepared.plan)
        _raise_if_all_failed(chosen, measured)
    except BenchguardError as error:
        return _failed(found, config, error, reporter)
    # Both the head's samples (measured.head) and the comparison with the base
    # (measured.report) are final here: checks on the head alone belong at this point.
    repo = measurement.repo
    allowed = overrides.apply(measured.report, prepared.allow)
    overrides.record(repo, config.notes_ref, found.head, allowed, reporter=reporter)

    checked = targets.check_head(repo, config, measured.head, found.head, prepared.allow,
                                 packages=measured.packages, reporter=reporter)
    failures = _failures(chosen, measured, config, reporter)
    outcome = Outcome(found, selection=chosen, report=measured.report,
                      allowed=allowed, measured=measured, targets=checked, plan=prepared.plan,
                      unchecked=measured.unchecked, budget=config.budget,
                      on_budget=config.on_budget, deadline=prepared.deadline,
                      failures=failures,
                      blocked_by_failures=bool(failures) and config.on_error != "warn")
    _keep(repo, config, outcome, measured, reporter)
    return outcome


def check_range(repo: Path, found: ranges.Range, given: Sequence[overrides.Override], *,
                config_path: str | None, verbose: bool, reporter: Reporter,
                any_machine: bool = False, started: float | None = None,
                budget: str | None = None) -> Outcome:
    """Check one pushed range: what it changes, which benchmarks that selects, how they compare
    with the base within the time budget (counted from ``started``, default now), what
    overrides let through, and whether the head meets its targets."""
    with contextlib.ExitStack() as stack:
        return finish(prepare(repo, found, given, config_path=config_path, verbose=verbose,
                              reporter=reporter, stack=stack, any_machine=any_machine,
                              started=started, budget=budget), reporter=reporter)


def _keep(repo: Path, config: Config, outcome: Outcome, measured: Measured,
          reporter: Reporter) -> None:
    """A check that lets the push through keeps its head measurement as a baseline of the
    pushed commit (the next push from it measures its head only), and records what the budget
    left unchecked. What cannot be stored is warned about: the check's verdict stands."""

    if outcome.status == Status.REGRESSION or outcome.blocked_by_budget \
            or outcome.blocked_by_failures:
        return

    records = list(measured.head_records)
    if outcome.unchecked:
        user = git.config_get(repo, "user.email") or "unknown"
        records.append(notes.unchecked_record(
            outcome.range.head, budget=config.budget, user=user,
            selections=[(u.package, u.pattern, u.tags, u.reason) for u in outcome.unchecked]))
        reporter.warn(f"{outcome.range.ref}: {plural(len(outcome.unchecked), 'selection')} NOT "
                      f"checked: the time budget {config.budget} ran out (on_budget = \"warn\": "
                      f"the push goes ahead; recorded in {config.notes_ref})")
    try:
        notes.NotesStore(repo, config.notes_ref).append(outcome.range.head, records)
    except BenchguardError as error:
        reporter.warn(f"could not record on {git.short(outcome.range.head)}: {error.message}")


def to_json(outcomes: Sequence[Outcome], *, message: str = "") -> dict[str, Any]:
    """`check --format json`: one document for the whole push, each pushed branch's check in
    ``checks`` (docs/json.md)."""

    data: dict[str, Any] = {"version": JSON_VERSION, "status": overall_status(outcomes).value}
    if message:
        data["message"] = message
    data["checks"] = [outcome.to_json() for outcome in outcomes]
    return data


def overall_status(outcomes: Sequence[Outcome]) -> Status:
    """The worst of the pushed branches, in the order one branch's status is decided: a
    regression, else selections that could not be measured (an error), else selections the time
    budget left unchecked, else a pass; skipped when none was compared."""

    found = {outcome.status for outcome in outcomes}
    return next((status for status in (Status.REGRESSION, Status.ERROR, Status.INCOMPLETE,
                                       Status.PASS) if status in found), Status.SKIPPED)


@dataclass(frozen=True)
class _Push:
    """The commits a range brings and the files they change, from where head forked."""

    range: ranges.Range
    fork: str
    changed: list[str]
    commits: list[str]
    messages: dict[str, str]  # commit -> message

    @property
    def summary(self) -> str:
        found = self.range
        return (f"{found.ref}: checking {git.short(found.base)}..{git.short(found.head)} "
                f"({found.why}): {plural(len(self.commits), 'commit')}, "
                f"{plural(len(self.changed), 'changed file')}")


def _what_to_compare(repo: Path, found: ranges.Range, reporter: Reporter) -> _Push | Outcome:
    """The new commits and changed files of ``found``, or why there is nothing to compare."""
    if found.base is None:
        if not git.output(["for-each-ref", "--count=1", "refs/remotes/"], cwd=repo):
            reporter.warn(f"{found.ref}: no remote-tracking refs to tell which commits are new "
                          "(git fetch first); not checked")
            return Outcome(found, "no remote-tracking refs")
        reporter.warn(f"{found.ref}: every commit is new (no earlier commit to measure "
                      "against); not checked")
        return Outcome(found, "no earlier commit to compare against")
    if found.base == found.head:
        return Outcome(found, "no new commits")
    fork = found.base if found.forked else \
        git.merge_base(repo, found.base, found.head) or found.base
    messages = git.commits_with_messages(repo, fork, found.head)
    return _Push(found, fork, git.changed_files(repo, fork, found.head), list(messages),
                 messages)


def _config_and_overrides(repo: Path, push: _Push, given: Sequence[overrides.Override],
                          config_path: str | None, reporter: Reporter
                          ) -> tuple[Config, list[overrides.Override]]:
    """The pushed commit's configuration, and every override of this push: those given and the
    trailers of its commits (their regexes checked before any benchmark runs)."""
    config = config_at(repo, push.range.head, config_path)
    _warn_unmatched_paths(repo, config, push.range.head, push.changed, config_path, reporter)
    return config, [*given, *overrides.from_messages(repo, push.messages)]


@dataclass
class _Worktree:
    """The pushed commit, checked out in a detached worktree on first use: the working tree may
    be dirty, or stashed by pre-commit, and a docs-only push needs no checkout at all."""

    repo: Path
    commit: str
    stack: contextlib.ExitStack
    checked_out: Path | None = None

    def path(self) -> Path:
        if self.checked_out is None:
            self.checked_out = self.stack.enter_context(git.worktree(self.repo, self.commit))
        return self.checked_out


def _select(config: Config, push: _Push, head: _Worktree, verbose: bool,
            reporter: Reporter) -> Selection:
    """The benchmarks the push's changes select, each announced with its reason."""

    def head_tree() -> Path:
        # Go code changed, so the notes will be read: pygit2's import is done on the other
        # core while `go list` runs rather than after it.
        git_objects.preload()
        return head.path()

    base = _Worktree(head.repo, push.fork, head.stack)  # checked out for deleted files only
    chosen = selection.select(config, push.changed, Snapshot(head.repo, head.commit, head_tree),
                              Snapshot(base.repo, base.commit, base.path))
    _explain(chosen, verbose, reporter)
    return chosen


def _raise_if_all_failed(chosen: Selection, measured: Measured | None) -> None:
    """When no selection could be measured at all, the first failure is the check's error (exit
    3, or a warning with on_error = "warn"), with go's own words."""
    remaining = {measure.spec_of(s) for s in chosen.selected}
    if measured is not None:
        remaining -= set(measured.failures)
    if remaining:
        return
    errors = [*(measured.failures.values() if measured is not None else ()),
              *(BenchguardError(f.message, exit_code=EXIT_BENCH_FAILED) for f in chosen.failed)]
    if errors:
        raise errors[0]


def _failures(chosen: Selection, measured: Measured, config: Config,
              reporter: Reporter) -> list[str]:
    """Every selection that could not be measured, each once: the rest were still checked."""
    failures = [failed.message for failed in chosen.failed]
    failures += [error.message for error in measured.failures.values()]
    if failures:
        how = ("the push is not blocked" if config.on_error == "warn"
               else "the push is blocked")
        reporter.warn(f"{plural(len(failures), 'selection')} could not be measured "
                      f"(on_error = \"{config.on_error}\": {how}); the others were checked")
    return failures


def _failed(found: ranges.Range, config: Config, error: BenchguardError,
            reporter: Reporter) -> Outcome:
    """A benchmark that did not build or run blocks the push, unless on_error = "warn"."""
    if error.exit_code != EXIT_BENCH_FAILED or config.on_error != "warn":
        raise error
    reporter.warn(f"{error.message} (on_error = \"warn\": the push is not blocked)")
    return Outcome(found, error.message, failed=True)


def _only_configuration(repo: Path, push: _Push, config_path: str | None) -> bool:
    """Whether the push changes benchguard.toml and nothing else: configuration is not code,
    so no benchmark changes. The pushed file has been read and checked by then (a broken one
    would break every teammate's push: exit 2); with --config, it is checked here."""

    if not push.changed or any(path != config.FILENAME for path in push.changed):
        return False
    if config_path is not None:
        config_at(repo, push.range.head, None)
    return True




def config_at(repo: Path, head: str, config_path: str | None) -> Config:
    """The pushed commit's benchguard.toml (not the working tree's), unless --config says."""

    if config_path is not None:
        return config.load(repo, Path(config_path))
    data = git.blob(repo, head, config.FILENAME)
    if data is None:
        return config.Config(path=None)
    text = config.decode(data, filename=config.FILENAME)
    return config.parse(text, filename=config.FILENAME)


def _warn_unmatched_paths(repo: Path, config: Config, head: str, changed: Sequence[str],
                          config_path: str | None, reporter: Reporter) -> None:
    """When a push changes benchguard.toml, name the `paths` patterns that match no file: a
    typo there would otherwise silently select nothing, ever."""

    if config_path is not None or configuration.FILENAME not in changed or not config.benches:
        return
    for entry, pattern in selection.unmatched_paths(config, git.tracked_files(repo, head)):
        reporter.warn(f"{configuration.FILENAME}:{entry.line}: paths pattern '{pattern}' "
                      f"matches no file in {git.short(head)}")


# How many files the one line on files that select nothing names without --verbose.
UNCOVERED_SHOWN = 3


def _explain(chosen: Selection, verbose: bool, reporter: Reporter) -> None:
    for selected in chosen.selected:
        reporter.progress(f"selected {run_name(selected.package, selected.pattern, selected.tags)}"
                          f": {selected.reason}")
    for failed in chosen.failed:
        reporter.warn(failed.message)
    for warning in chosen.warnings:
        reporter.warn(warning)
    if verbose:
        for line in chosen.skipped:
            reporter.progress(f"not selected: {line}")
    uncovered = chosen.uncovered
    if uncovered and verbose:
        for one in uncovered:
            reporter.warn(f"not covered by any benchmark: {one.path}: {one.why}")
    elif uncovered:
        shown = ", ".join(f"{one.path} ({one.why})" for one in uncovered[:UNCOVERED_SHOWN])
        more = (f" and {len(uncovered) - UNCOVERED_SHOWN} more (--verbose lists them)"
                if len(uncovered) > UNCOVERED_SHOWN else "")
        reporter.warn(f"{plural(len(uncovered), 'changed file')} can change "
                      f"Go code but no benchmark measures it: {shown}{more}")


def _selection_json(chosen: Selection | None) -> dict[str, Any]:
    """What a branch selected, with why, and the changed files no benchmark measures; ``failed``
    lists the selections go could not load (a check adds those that did not build)."""
    return {"selected": [{"package": s.package, "pattern": s.pattern, "tags": list(s.tags),
                          "reason": s.reason} for s in (chosen.selected if chosen else ())],
            "uncovered": [u.path for u in (chosen.uncovered if chosen else ())],
            "failed": [f.message for f in (chosen.failed if chosen else ())]}


def _brief_json(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {"delta": comparison.delta, "p": comparison.p, "p_adjusted": comparison.p_adjusted,
            "verdict": comparison.verdict,
            "n": [s.n if s else 0 for s in (comparison.base, comparison.head)],
            "decision": decision_json(comparison.decision)}


def decision_json(made: Decision | None) -> dict[str, Any] | None:
    """How `check`'s rounds decided one result (docs/json.md)."""
    if made is None:
        return None
    return {"state": made.state.value, "why": made.why.value, "method": made.method.value,
            "change": _finite(made.change),
            "interval": [_finite(made.low), _finite(made.high)], "p": made.p,
            "level": made.level, "rounds": made.n, "reason": made.reason}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _noise_lines(compared: ComparisonReport, measured: Measured | None) -> list[str]:
    if measured is None or measured.rule is None:
        return []
    made = [c.decision for c in compared.comparisons if c.decision is not None]
    at = [round_ for rounds in measured.rounds.values() for round_ in rounds.decided.values()]
    lines = [how_decided(measured.rule, compared.family, compared.correction, made, at)]
    for described, rounds in measured.rounds.items():
        if not rounds.side_by_side:
            continue
        more = ""
        if rounds.extra:
            benchmarks = plural(rounds.undecided, "undecided benchmark")
            more = f" ({rounds.rounds - rounds.extra} + {rounds.extra} of {benchmarks})"
        lines.append(f"{described}: base and head measured side by side, {rounds.rounds} "
                     f"rounds{more}")
    for confirmation in measured.confirmations:
        stored, fresh = confirmation.stored, confirmation.fresh
        lines.append(f"confirming {measure.brief(stored)}: open against the stored baseline;")
        if fresh is None:
            lines.append("  side by side: not measured again (benchmark not found)")
        else:
            held = "blocks" if fresh.verdict == Verdict.REGRESSION else "does not block"
            lines.append(f"  side by side now: {measure.brief(fresh)}: {fresh.verdict}, "
                         f"so it {held}")
    return lines


def _regression_table(compared: ComparisonReport, *, colour: bool, blocked: str,
                      how_to_allow: str | None) -> list[str]:
    regressions = [c for c in compared.comparisons if c.verdict == Verdict.REGRESSION]
    if not regressions:
        return []
    rows = [(c.series.bench.describe(), c.series.unit, *measure.evidence(c),
             f"allowed by {c.allowed_by!r}" if c.allowed_by else f"over {c.threshold:.0%}")
            for c in regressions]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    blocking = [c for c in regressions if c.allowed_by is None]
    title = f"regressions blocking {blocked}:" if blocking else "regressions (allowed):"
    lines = ["", paint(title, "red" if blocking else "yellow", enabled=colour)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                              strict=False))
                     + "  " + row[4])
    if blocking:
        lines.append(how_to_allow or overrides.push_anyway(c.series.bench.name for c in blocking))
    return lines


def report_json(compared: ComparisonReport | None) -> dict[str, Any]:
    if compared is None:
        compared = verdict.ComparisonReport(comparisons=[], warnings=[], alpha=0.05)
    data = table.to_json(compared)
    del data["version"]  # the document that holds these per-branch objects carries it, once
    for entry, comparison in zip(data["benchmarks"], compared.comparisons, strict=True):
        entry["p_adjusted"] = comparison.p_adjusted
        entry["decision"] = decision_json(comparison.decision)
    data["correction"] = {"method": compared.correction, "comparisons": compared.family}
    return data
