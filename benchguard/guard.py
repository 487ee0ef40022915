"""The check of one pushed branch: select, measure (benchguard.measure), decide, and say so
in text, JSON or markdown (docs/check.md). The check command calls it with a Reporter; nothing
here prints."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import git, hook, measure, overrides
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_REGRESSION, BenchguardError
from benchguard.measure import Measured

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.reporter import Reporter
    from benchguard.selection import Selection
    from benchguard.targets import Evaluation
    from benchguard.verdict import Comparison, ComparisonReport, Status


@dataclass
class Outcome:
    """What checking one pushed branch found: nothing to check (no report), a measurement that
    failed while on_error = "warn" let the push through, or a comparison and its targets."""

    range: hook.Range
    message: str = ""  # why it was skipped or failed
    failed: bool = False
    selection: Selection | None = None
    report: ComparisonReport | None = None
    allowed: list[overrides.Allowance] = field(default_factory=list)
    measured: Measured | None = None
    targets: Evaluation | None = None  # [[target]]s of the benchmarks that ran at head
    # selections that could not be measured (go could not load or build them), each a line
    failures: list[str] = field(default_factory=list)
    blocked_by_failures: bool = False  # on_error = "block" and some selection failed

    @property
    def status(self) -> Status:
        from benchguard.verdict import Status

        if self.failed:
            return Status.ERROR
        if self.report is None:
            return Status.SKIPPED
        blocked = self.targets is not None and bool(self.targets.blocking)
        if blocked or self.report.status == Status.REGRESSION:
            return Status.REGRESSION
        return Status.ERROR if self.failures else Status.PASS

    @property
    def exit_code(self) -> int:
        # Without a report it was skipped or failed: said without importing the statistics,
        # which a push that touches no Go code does not pay for.
        if self.report is None:
            return 0
        from benchguard.verdict import Status

        if self.status == Status.REGRESSION:
            return EXIT_REGRESSION
        return EXIT_BENCH_FAILED if self.blocked_by_failures else 0

    def to_json(self) -> dict[str, Any]:
        data = report_json(self.report)
        data.update({
            "status": self.status.value,
            "ref": self.range.ref,
            "base": self.range.base,
            "head": self.range.head,
            "selected": [{"package": s.package, "pattern": s.pattern, "tags": list(s.tags),
                          "reason": s.reason}
                         for s in (self.selection.selected if self.selection else ())],
            "uncovered": [u.path for u in (self.selection.uncovered if self.selection else ())],
            "failed": self.failures,
            "allowed": [{"pattern": a.override.pattern, "source": a.override.source,
                         "reason": a.override.reason, "benchmarks": list(a.benchmarks)}
                        for a in self.allowed],
        })
        if self.measured is not None:
            data["rounds"] = {package: {"rounds": total, "extra": extra}
                              for package, (total, extra) in self.measured.rounds.items()}
            data["confirmations"] = [
                {"package": c.stored.series.bench.package, "name": c.stored.series.bench.name,
                 "procs": c.stored.series.bench.procs, "tags": list(c.stored.series.bench.tags),
                 "metric": c.stored.series.unit,
                 "stored": _brief_json(c.stored), "fresh": _brief_json(c.fresh)}
                for c in self.measured.confirmations]
        if self.targets is not None:
            from benchguard import targets

            data["targets"] = targets.to_json(self.targets)
        if self.message:
            data["message"] = self.message
        return data

    def render_text(self, *, colour: bool) -> str:
        if self.report is None:
            return f"benchguard: {self.range.ref}: {self.message}"
        from benchguard import report
        from benchguard.style import printable

        lines = [report.render_text(self.report, colour=colour).rstrip("\n")]
        lines += [f"not measured: {printable(failure)}" for failure in self.failures]
        lines += _noise_lines(self.report, self.measured)
        lines += _regression_table(self.report, colour=colour)
        if self.targets is not None:
            from benchguard import targets

            lines += targets.render_text(self.targets, colour=colour)
        return "\n".join(lines)

    def render_markdown(self) -> str:
        if self.report is None:
            return f"**benchguard** `{self.range.ref}`: {self.message}"
        from benchguard import report

        lines = [report.render_markdown(self.report).rstrip("\n"), ""]
        for line in _noise_lines(self.report, self.measured):
            if line.startswith("  ") and lines[-1].startswith("- "):  # continues the bullet
                lines[-1] += " " + line.strip()
            else:
                lines.append(f"- {line}")
        from benchguard.style import printable

        for s in self.selection.selected if self.selection else ():
            lines.append(printable(f"- `{s.package}` `{s.pattern}`: {s.reason}"))
        lines += [f"- not measured: {printable(failure)}" for failure in self.failures]
        for one in self.selection.uncovered if self.selection else ():
            lines.append(printable(f"- not covered by any benchmark: `{one.path}`: {one.why}"))
        if self.targets is not None:
            from benchguard import targets

            lines += targets.render_markdown(self.targets)
        return "\n".join(lines)


def check_range(repo: Path, found: hook.Range, given: Sequence[overrides.Override], *,
                config_path: str | None, verbose: bool, reporter: Reporter,
                any_machine: bool = False) -> Outcome:
    """Check one pushed range: what it changes, which benchmarks that selects, how they compare
    with the base, what overrides let through, and whether the head meets its targets."""
    push = _what_to_compare(repo, found, reporter)
    if isinstance(push, Outcome):
        return push
    config, allow = _config_and_overrides(repo, push, given, config_path, reporter)
    reporter.progress(push.summary)
    with contextlib.ExitStack() as stack:
        head = _Worktree(repo, found.head, stack)
        try:
            chosen = _select(config, push, head, verbose, reporter)
            if not chosen.selected and not chosen.failed:
                return Outcome(found, f"no benchmarks affected by "
                               f"{_count(push.changed, 'changed file')}; nothing to check",
                               selection=chosen)
            _raise_if_all_failed(chosen, None)
            measured = measure.Measurement(repo, found, config, chosen, head.path(), stack,
                                           reporter=reporter, any_machine=any_machine).run()
            _raise_if_all_failed(chosen, measured)
        except BenchguardError as error:
            return _failed(found, config, error, reporter)
    # Both the head's samples (measured.head) and the comparison with the base
    # (measured.report) are final here: checks on the head alone belong at this point.
    allowed = overrides.apply(measured.report, allow)
    overrides.record(repo, config.notes_ref, found.head, allowed, reporter=reporter)
    from benchguard import targets

    checked = targets.check_head(repo, config, measured.head, found.head, allow,
                                 packages=measured.packages, reporter=reporter)
    failures = _failures(chosen, measured, config, reporter)
    return Outcome(found, selection=chosen, report=measured.report, allowed=allowed,
                   measured=measured, targets=checked, failures=failures,
                   blocked_by_failures=bool(failures) and config.on_error != "warn")


def to_json(outcomes: Sequence[Outcome], *, message: str = "") -> dict[str, Any]:
    """`check --format json`: one document for the whole push, each pushed branch's check in
    ``checks`` (docs/json.md)."""
    from benchguard import JSON_VERSION

    data: dict[str, Any] = {"version": JSON_VERSION, "status": overall_status(outcomes).value}
    if message:
        data["message"] = message
    data["checks"] = [outcome.to_json() for outcome in outcomes]
    return data


def overall_status(outcomes: Sequence[Outcome]) -> Status:
    """The worst of the pushed branches: a regression, else an error, else a pass; skipped
    when none was compared."""
    from benchguard.verdict import Status

    found = {outcome.status for outcome in outcomes}
    return next((status for status in (Status.REGRESSION, Status.ERROR, Status.PASS)
                 if status in found), Status.SKIPPED)


@dataclass(frozen=True)
class _Push:
    """The commits a range brings and the files they change, from where head forked."""

    range: hook.Range
    fork: str
    changed: list[str]
    commits: list[str]

    @property
    def summary(self) -> str:
        found = self.range
        return (f"{found.ref}: checking {git.short(found.base)}..{git.short(found.head)} "
                f"({found.why}): {_count(self.commits, 'commit')}, "
                f"{_count(self.changed, 'changed file')}")


def _what_to_compare(repo: Path, found: hook.Range, reporter: Reporter) -> _Push | Outcome:
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
    fork = git.merge_base(repo, found.base, found.head) or found.base
    return _Push(found, fork, git.changed_files(repo, fork, found.head),
                 git.commits_between(repo, fork, found.head))


def _config_and_overrides(repo: Path, push: _Push, given: Sequence[overrides.Override],
                          config_path: str | None, reporter: Reporter
                          ) -> tuple[Config, list[overrides.Override]]:
    """The pushed commit's configuration, and every override of this push: those given and the
    trailers of its commits (their regexes checked before any benchmark runs)."""
    config = _config(repo, push.range.head, config_path)
    _warn_unmatched_paths(repo, config, push.range.head, push.changed, config_path, reporter)
    return config, [*given, *overrides.from_commits(repo, push.commits)]


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
    from benchguard import selection
    from benchguard.gotree import Snapshot

    def head_tree() -> Path:
        # Go code changed, so the notes will be read: pygit2 takes ~80 ms to import, done
        # on the other core while `go list` runs rather than after it.
        threading.Thread(target=importlib.import_module, args=("benchguard.notes",)).start()
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
        reporter.warn(f"{_count(failures, 'selection')} could not be measured "
                      f"(on_error = \"{config.on_error}\": {how}); the others were checked")
    return failures


def _failed(found: hook.Range, config: Config, error: BenchguardError,
            reporter: Reporter) -> Outcome:
    """A benchmark that did not build or run blocks the push, unless on_error = "warn"."""
    if error.exit_code != EXIT_BENCH_FAILED or config.on_error != "warn":
        raise error
    reporter.warn(f"{error.message} (on_error = \"warn\": the push is not blocked)")
    return Outcome(found, error.message, failed=True)


def _count(items: Sequence[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _config(repo: Path, head: str, config_path: str | None) -> Config:
    """The pushed commit's benchguard.toml (not the working tree's), unless --config says."""
    from benchguard import config

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
    from benchguard import config as configuration
    from benchguard import selection

    if config_path is not None or configuration.FILENAME not in changed or not config.benches:
        return
    for entry, pattern in selection.unmatched_paths(config, git.tracked_files(repo, head)):
        reporter.warn(f"{configuration.FILENAME}:{entry.line}: paths pattern '{pattern}' "
                      f"matches no file in {git.short(head)}")


# How many files the one line on files that select nothing names without --verbose.
UNCOVERED_SHOWN = 3


def _explain(chosen: Selection, verbose: bool, reporter: Reporter) -> None:
    for selected in chosen.selected:
        what = "all benchmarks" if selected.pattern == "." else selected.pattern
        tags = f" [tags: {','.join(selected.tags)}]" if selected.tags else ""
        reporter.progress(f"selected {selected.package} {what}{tags}: {selected.reason}")
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
        reporter.warn(f"{_count([one.path for one in uncovered], 'changed file')} can change "
                      f"Go code but no benchmark measures it: {shown}{more}")


def _brief_json(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {"delta": comparison.delta, "p": comparison.p, "p_adjusted": comparison.p_adjusted,
            "verdict": comparison.verdict,
            "n": [s.n if s else 0 for s in (comparison.base, comparison.head)]}


def _noise_lines(compared: ComparisonReport, measured: Measured | None) -> list[str]:
    from benchguard.verdict import Verdict

    lines = []
    if compared.correction == "holm" and compared.family:
        lines.append(f"Holm–Bonferroni over {compared.family} comparison"
                     f"{'' if compared.family == 1 else 's'}: verdicts use the adjusted p "
                     "(the p shown is benchstat's)")
    if measured is None:
        return lines
    for package, (total, extra) in measured.rounds.items():
        more = f" ({total - extra} + {extra} for inconclusive results)" if extra else ""
        lines.append(f"{package}: base and head measured side by side, {total} rounds{more}")
    for confirmation in measured.confirmations:
        stored, fresh = confirmation.stored, confirmation.fresh
        lines.append(f"confirming {measure.brief(stored)}: {stored.verdict} against the stored "
                     "baseline;")
        if fresh is None:
            lines.append("  side by side: not measured again (benchmark not found)")
        else:
            held = "blocks" if fresh.verdict == Verdict.REGRESSION else "does not block"
            lines.append(f"  side by side now: {measure.brief(fresh)}: {fresh.verdict}, "
                         f"so it {held}")
    return lines


def _regression_table(compared: ComparisonReport, *, colour: bool) -> list[str]:
    from benchguard.style import paint
    from benchguard.verdict import Verdict, describe

    regressions = [c for c in compared.comparisons if c.verdict == Verdict.REGRESSION]
    if not regressions:
        return []
    rows = [(describe(c.series.bench), c.series.unit,
             "?" if c.delta is None else f"{c.delta * 100:+.1f}%",
             "exact" if c.exact else "" if c.p is None else f"p={measure.p_text(c)}",
             f"allowed by {c.allowed_by!r}" if c.allowed_by else f"over {c.threshold:.0%}")
            for c in regressions]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    blocking = [c for c in regressions if c.allowed_by is None]
    title = "regressions blocking the push:" if blocking else "regressions (allowed):"
    lines = ["", paint(title, "red" if blocking else "yellow", enabled=colour)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                              strict=False))
                     + "  " + row[4])
    if blocking:
        lines.append(overrides.push_anyway(c.series.bench.name for c in blocking))
    return lines


def report_json(compared: ComparisonReport | None) -> dict[str, Any]:
    from benchguard import report, verdict

    if compared is None:
        compared = verdict.ComparisonReport(comparisons=[], warnings=[], alpha=0.05)
    data = report.to_json(compared)
    del data["version"]  # the document that holds these per-branch objects carries it, once
    for entry, comparison in zip(data["benchmarks"], compared.comparisons, strict=True):
        entry["p_adjusted"] = comparison.p_adjusted
    data["correction"] = {"method": compared.correction, "comparisons": compared.family}
    return data
