"""What checking one pushed branch found (Outcome), and a branch prepared up to its plan
(Prepared): plain data with the rule for a branch's status and exit code. Light on purpose: a push
that changes no Go code says its outcome without importing the measuring pipeline (its heavy
types are named for the type checker only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.config import Config
from benchguard.engine.status import Status, Verdict
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_REGRESSION, BenchguardError
from benchguard.progress import Reporter
from benchguard.push.budget import Deadline, Unchecked
from benchguard.push.ranges import Range
from benchguard.push.selection import Selection
from benchguard.store.overrides import Allowance, Override

if TYPE_CHECKING:
    from benchguard.engine.verdict import Comparison, ComparisonReport
    from benchguard.push.bisect import Culprits
    from benchguard.push.measure import Measured, Measurement
    from benchguard.push.plan import Plan
    from benchguard.push.targets import Evaluation


@dataclass
class Outcome:
    """What checking one pushed branch found: nothing to check (no report), a measurement that
    failed while on_error = "warn" let the push through, or a comparison and its targets."""

    range: Range
    message: str = ""  # why it was skipped or failed
    failed: bool = False
    selection: Selection | None = None
    report: ComparisonReport | None = None
    allowed: list[Allowance] = field(default_factory=list)
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
    # a regression over several commits: the commit of each (push.bisect), when looked for
    culprits: Culprits | None = None

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
        return Status.INCOMPLETE if self.unchecked or self.unconfirmed else Status.PASS

    @property
    def exit_code(self) -> int:
        if self.report is None:
            return 0
        if self.status == Status.REGRESSION:
            return EXIT_REGRESSION
        if self.blocked_by_failures:
            return EXIT_BENCH_FAILED
        return EXIT_REGRESSION if self.blocked_by_budget else 0

    @property
    def blocked_by_budget(self) -> bool:
        return bool(self.unchecked or self.unconfirmed) and self.on_budget == "block"

    @property
    def unconfirmed(self) -> list[Comparison]:
        """Results worse than the threshold by their whole interval that the time budget left
        unconfirmed: like what was not measured, on_budget says what they do to the push."""
        if self.report is None:
            return []
        return [c for c in self.report.comparisons if c.verdict == Verdict.UNCONFIRMED]


@dataclass
class Prepared:
    """One pushed branch up to its plan — or its outcome already, when there is nothing to
    measure (nothing selected, a docs-only or configuration-only push, no base)."""

    repo: Path
    range: Range
    outcome: Outcome | None = None
    config: Config | None = None
    allow: list[Override] = field(default_factory=list)
    selection: Selection | None = None
    tree: Path | None = None  # the pushed commit, checked out (when something is selected)
    measurement: Measurement | None = None
    plan: Plan | None = None
    deadline: Deadline | None = None


def overall_status(outcomes: Sequence[Outcome]) -> Status:
    """The worst of the pushed branches, in the order one branch's status is decided: a
    regression, else selections that could not be measured (an error), else selections the time
    budget left unchecked, else a pass; skipped when none was compared."""
    found = {outcome.status for outcome in outcomes}
    return next((status for status in (Status.REGRESSION, Status.ERROR, Status.INCOMPLETE,
                                       Status.PASS) if status in found), Status.SKIPPED)


def failed_outcome(found: Range, config: Config, error: BenchguardError,
            reporter: Reporter) -> Outcome:
    """A benchmark that did not build or run blocks the push, unless on_error = "warn"."""
    if error.exit_code != EXIT_BENCH_FAILED or config.on_error != "warn":
        raise error
    reporter.warn(f"{error.message} (on_error = \"warn\": the push is not blocked)")
    return Outcome(found, error.message, failed=True)
