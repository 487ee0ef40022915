"""The check of one pushed branch: select, measure (benchguard.measure), decide, and say so
in text, JSON or markdown (docs/check.md)."""

from __future__ import annotations

import contextlib
import importlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import git, hook, measure, output, overrides
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_REGRESSION, BenchguardError
from benchguard.measure import Measured

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.selection import Selection
    from benchguard.targets import Evaluation
    from benchguard.verdict import Comparison, ComparisonReport


@dataclass
class Outcome:
    """What checking one pushed branch found."""

    range: hook.Range
    status: str  # "skipped" | "pass" | "regression" | "error"
    message: str = ""
    selection: Selection | None = None
    report: ComparisonReport | None = None
    allowed: list[overrides.Allowance] = field(default_factory=list)
    measured: Measured | None = None
    targets: Evaluation | None = None  # [[target]]s of the benchmarks that ran at head

    @property
    def exit_code(self) -> int:
        return EXIT_REGRESSION if self.status == "regression" else 0

    def to_json(self) -> dict[str, Any]:
        data = report_json(self.report)
        data.update({
            "status": self.status,
            "ref": self.range.ref,
            "base": self.range.base,
            "head": self.range.head,
            "selected": [{"package": s.package, "pattern": s.pattern, "reason": s.reason}
                         for s in (self.selection.selected if self.selection else ())],
            "allowed": [{"pattern": a.override.pattern, "source": a.override.source,
                         "reason": a.override.reason, "benchmarks": list(a.benchmarks)}
                        for a in self.allowed],
        })
        if self.measured is not None:
            data["rounds"] = {package: {"rounds": total, "extra": extra}
                              for package, (total, extra) in self.measured.rounds.items()}
            data["confirmations"] = [
                {"package": c.stored.series.bench.package, "name": c.stored.series.bench.name,
                 "procs": c.stored.series.bench.procs, "metric": c.stored.series.unit,
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

        lines = [report.render_text(self.report, colour=colour).rstrip("\n")]
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
        for s in self.selection.selected if self.selection else ():
            lines.append(f"- `{s.package}` `{s.pattern}`: {s.reason}")
        if self.targets is not None:
            from benchguard import targets

            lines += targets.render_markdown(self.targets)
        return "\n".join(lines)


def check_range(repo: Path, found: hook.Range, given: Sequence[overrides.Override], *,
                config_path: str | None, verbose: bool, any_machine: bool = False) -> Outcome:
    span = f"{git.short(found.base)}..{git.short(found.head)}"
    if found.base is None:
        if not git.output(["for-each-ref", "--count=1", "refs/remotes/"], cwd=repo):
            output.warn(f"{found.ref}: no remote-tracking refs to tell which commits are new "
                        "(git fetch first); not checked")
            return Outcome(found, "skipped", "no remote-tracking refs")
        output.warn(f"{found.ref}: every commit is new (no earlier commit to measure against); "
                    "not checked")
        return Outcome(found, "skipped", "no earlier commit to compare against")
    if found.base == found.head:
        return Outcome(found, "skipped", "no new commits")
    fork = git.merge_base(repo, found.base, found.head) or found.base
    changed = git.changed_files(repo, fork, found.head)
    config = _config(repo, found.head, config_path)
    _warn_unmatched_paths(repo, config, found.head, changed, config_path)
    # Trailers are read (and their regexes checked) before any benchmark runs.
    commits = git.commits_between(repo, fork, found.head)
    allow = [*given, *overrides.from_commits(repo, commits)]
    output.progress(f"{found.ref}: checking {span} ({found.why}): {len(commits)} commit"
                    f"{'' if len(commits) == 1 else 's'}, {len(changed)} changed file"
                    f"{'' if len(changed) == 1 else 's'}")
    with contextlib.ExitStack() as stack:
        trees: dict[str, Path] = {}

        def head_tree() -> Path:
            # Measured in a detached worktree of the pushed commit: the working tree may be
            # dirty, or stashed by pre-commit.
            if "head" not in trees:
                trees["head"] = stack.enter_context(git.worktree(repo, found.head))
            return trees["head"]

        from benchguard import selection as selecting

        def list_packages(tags: tuple[str, ...]) -> Any:
            from benchguard import go

            # Go files changed, so the notes will be read: pygit2 takes ~80 ms to import, done
            # on the other core while `go list` runs rather than after it.
            threading.Thread(target=importlib.import_module, args=("benchguard.notes",)).start()
            return go.list_packages(head_tree(), tags)

        try:
            chosen = selecting.select(config, changed, list_packages)
            _explain(chosen, verbose)
            if not chosen.selected:
                return Outcome(found, "skipped", "no benchmarks affected by "
                               f"{len(changed)} changed file{'' if len(changed) == 1 else 's'}; "
                               "nothing to check", selection=chosen)
            measured = measure.Measurement(repo, found, config, chosen, head_tree(), stack,
                                           any_machine=any_machine).run()
        except BenchguardError as error:
            if error.exit_code != EXIT_BENCH_FAILED or config.on_error != "warn":
                raise
            output.warn(f"{error.message} (on_error = \"warn\": the push is not blocked)")
            return Outcome(found, "error", error.message)
    # Both the head's samples (measured.head) and the comparison with the base
    # (measured.report) are final here: checks on the head alone belong at this point.
    compared = measured.report
    allowed = overrides.apply(compared, allow)
    if allowed:
        from benchguard.notes import NotesStore

        user = git.config_get(repo, "user.email") or "unknown"
        NotesStore(repo, config.notes_ref).append(
            found.head, overrides.records(found.head, allowed, user))
        for allowance in allowed:
            output.progress(f"allowed by {allowance.override.pattern!r} "
                            f"({allowance.override.source}): {', '.join(allowance.benchmarks)}; "
                            f"recorded in {config.notes_ref}")
    from benchguard import targets

    checked = targets.check_head(repo, config, measured.head, found.head, allow)
    status = "regression" if compared.status == "regression" or checked.blocking else "pass"
    return Outcome(found, status, selection=chosen, report=compared, allowed=allowed,
                   measured=measured, targets=checked)


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
                          config_path: str | None) -> None:
    """When a push changes benchguard.toml, name the `paths` patterns that match no file: a
    typo there would otherwise silently select nothing, ever."""
    from benchguard import config as configuration
    from benchguard import selection

    if config_path is not None or configuration.FILENAME not in changed or not config.benches:
        return
    for entry, pattern in selection.unmatched_paths(config, git.tracked_files(repo, head)):
        output.warn(f"{configuration.FILENAME}:{entry.line}: paths pattern '{pattern}' matches "
                    f"no file in {git.short(head)}")


def _explain(chosen: Selection, verbose: bool) -> None:
    for selected in chosen.selected:
        what = "all benchmarks" if selected.pattern == "." else selected.pattern
        output.progress(f"selected {selected.package} {what}: {selected.reason}")
    for warning in chosen.warnings:
        output.warn(warning)
    if verbose:
        for line in chosen.skipped:
            output.progress(f"not selected: {line}")


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
    from benchguard.verdict import Verdict

    regressions = [c for c in compared.comparisons if c.verdict == Verdict.REGRESSION]
    if not regressions:
        return []
    from benchguard.verdict import describe

    rows = [(describe(c.series.bench), c.series.unit,
             "?" if c.delta is None else f"{c.delta * 100:+.1f}%",
             "exact" if c.exact else "" if c.p is None else f"p={measure.p_text(c)}",
             f"allowed by {c.allowed_by!r}" if c.allowed_by else f"over {c.threshold:.0%}")
            for c in regressions]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    blocking = [c for c in regressions if c.allowed_by is None]
    title = "regressions blocking the push:" if blocking else "regressions (allowed):"
    lines = ["", output.paint(title, "red" if blocking else "yellow", enabled=colour)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                              strict=False))
                     + "  " + row[4])
    if blocking:
        names = sorted({c.series.bench.name for c in blocking})
        regex = "^(" + "|".join(re.escape(n) for n in names) + ")$" if len(names) > 1 \
            else f"^{re.escape(names[0])}$"
        lines.append(f"to push anyway: BENCHGUARD_ALLOW='{regex}' git push  (or add a "
                     f"'Benchguard-Allow: <regex> <reason>' trailer to a commit)")
    return lines


def report_json(compared: ComparisonReport | None) -> dict[str, Any]:
    from benchguard import report, verdict

    if compared is None:
        compared = verdict.ComparisonReport(comparisons=[], warnings=[], alpha=0.05)
    data = report.to_json(compared)
    for entry, comparison in zip(data["benchmarks"], compared.comparisons, strict=True):
        entry["p_adjusted"] = comparison.p_adjusted
        entry["exact"] = comparison.exact
    data["correction"] = {"method": compared.correction, "comparisons": compared.family}
    return data
