"""The check of one pushed branch after its triage (push.changes): plan (push.plan), measure
within the push's time budget (push.measure), apply the overrides, check the head's targets, and
keep what a passing check measured (docs/check.md). The check command triages every branch of a
push, plans the ones with something to measure, then finishes them; nothing here prints."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from benchguard.config import Config
from benchguard.engine.status import Status
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import bisect, changes, measure, targets
from benchguard.push.budget import Deadline
from benchguard.push.measure import Measured
from benchguard.push.outcome import Outcome, Prepared, failed_outcome
from benchguard.push.ranges import Range
from benchguard.push.selection import Selection
from benchguard.store import notes, overrides
from benchguard.style import plural
from benchguard.tools import git


def plan(prepared: Prepared, *, reporter: Reporter, stack: contextlib.ExitStack,
         any_machine: bool = False, started: float | None = None,
         planned_before: float = 0.0) -> Prepared:
    """A triaged branch with something to measure, up to its plan: reads the notes, never builds
    or runs a benchmark. The deadline counts from ``started`` (the push's start: every branch
    shares it); the plan leaves the ``planned_before`` seconds earlier branches' plans need."""
    if prepared.outcome is not None:
        return prepared
    found, config, chosen = prepared.range, prepared.config, prepared.selection
    assert config is not None and chosen is not None and prepared.tree is not None
    try:
        raise_if_all_failed(chosen, None)
        measurement = measure.Measurement(prepared.repo, found, config, chosen, prepared.tree,
                                          stack, reporter=reporter, any_machine=any_machine)
        deadline = Deadline.starting(config.budget, started)
        planned = measurement.plan(max(0.0, deadline.remaining() - planned_before))
    except BenchguardError as error:
        return replace(prepared, outcome=failed_outcome(found, config, error, reporter))
    return replace(prepared, measurement=measurement, plan=planned, deadline=deadline)


def finish(prepared: Prepared, *, reporter: Reporter) -> Outcome:
    """Measure a planned branch within its deadline, compare, apply the overrides, check the
    head's targets, and keep what a check that lets the push through measured: the head's
    samples on the pushed commit, and which selections the budget left unchecked."""
    if prepared.outcome is not None:
        return prepared.outcome
    found, config, measurement = prepared.range, prepared.config, prepared.measurement
    chosen = prepared.selection
    assert config is not None and measurement is not None and chosen is not None
    try:
        measured = measurement.run(prepared.deadline, prepared.plan)
        raise_if_all_failed(chosen, measured)
    except BenchguardError as error:
        return failed_outcome(found, config, error, reporter)
    return conclude(prepared, measured, reporter=reporter)


def conclude(prepared: Prepared, measured: Measured, *, reporter: Reporter,
             not_run: Sequence[str] = ()) -> Outcome:
    """What a branch's measurement comes to: the overrides applied to its comparison, the
    head's targets checked, and what a check that lets the push through measured kept.
    ``not_run``: parts of the check that did not run at all (a shard that did not report),
    each a line: they fail the check, whatever on_error says."""
    found, config, chosen = prepared.range, prepared.config, prepared.selection
    assert config is not None and chosen is not None
    # Both the head's samples (measured.head) and the comparison with the base
    # (measured.report) are final here: checks on the head alone belong at this point.
    repo = prepared.repo
    allowed = overrides.apply(measured.report, prepared.allow)
    overrides.record(repo, config.notes_ref, found.head, allowed, reporter=reporter)
    checked = targets.check_head(repo, config, measured.head, found.head, prepared.allow,
                                 packages=measured.packages, reporter=reporter)
    failures = [*_failures(chosen, measured, config, reporter), *not_run]
    outcome = Outcome(found, selection=chosen, report=measured.report,
                      allowed=allowed, measured=measured, targets=checked, plan=prepared.plan,
                      unchecked=measured.unchecked, budget=config.budget,
                      on_budget=config.on_budget, deadline=prepared.deadline,
                      failures=failures,
                      blocked_by_failures=bool(not_run) or (bool(failures)
                                                            and config.on_error != "warn"))
    _keep(repo, config, outcome, measured, reporter)
    return outcome


def check_range(repo: Path, found: Range, given: Sequence[overrides.Override], *,
                config_path: str | None, verbose: bool, reporter: Reporter,
                any_machine: bool = False, started: float | None = None,
                budget: str | None = None, config: Config | None = None,
                trailers: bool = True, instrument: str | None = None) -> Outcome:
    """Check one pushed range: what it changes, which benchmarks that selects, how they compare
    with the base within the time budget (counted from ``started``, default now), what
    overrides let through, and whether the head meets its targets. ``config`` and
    ``trailers``: as changes.triage takes them."""
    with contextlib.ExitStack() as stack:
        triaged = changes.triage(repo, found, given, config_path=config_path, verbose=verbose,
                                 reporter=reporter, stack=stack, budget=budget, config=config,
                                 trailers=trailers,
                                 instrument=instrument)
        planned = plan(triaged, reporter=reporter, stack=stack, any_machine=any_machine,
                       started=started)
        return bisect.bisect(planned, finish(planned, reporter=reporter), reporter=reporter)


def _keep(repo: Path, config: Config, outcome: Outcome, measured: Measured,
          reporter: Reporter) -> None:
    """Every check keeps its head measurement as a baseline of the pushed commit: the next push
    from it measures its head only, and `history` has the commit that made a benchmark slower
    even when its push was blocked. A check that lets the push through records what the budget
    left unchecked. What cannot be stored is warned about: the check's verdict stands."""
    records = list(measured.head_records)
    goes_ahead = not (outcome.status == Status.REGRESSION or outcome.blocked_by_budget
                      or outcome.blocked_by_failures)
    if outcome.unchecked and goes_ahead:
        user = git.config_get(repo, "user.email") or "unknown"
        records.append(notes.unchecked_record(
            outcome.range.head, budget=config.budget, user=user,
            selections=[(u.package, u.pattern, u.tags, u.reason, u.benchmarks)
                        for u in outcome.unchecked]))
        reporter.warn(f"{outcome.range.ref}: {plural(len(outcome.unchecked), 'selection')} NOT "
                      f"checked: the time budget {config.budget} ran out (on_budget = \"warn\": "
                      f"the push goes ahead; recorded in {config.notes_ref})")
    try:
        notes.NotesStore(repo, config.notes_ref).append(outcome.range.head, records)
    except BenchguardError as error:
        reporter.warn(f"could not record on {git.short(outcome.range.head)}: {error.message}")


def raise_if_all_failed(chosen: Selection, measured: Measured | None) -> None:
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
