"""`benchguard check`: measure the benchmarks a push affects and block it on a regression.

The pre-push hook runs `benchguard check --pre-push REMOTE URL` with git's ref lines on stdin;
pre-commit runs plain `benchguard check` with PRE_COMMIT_* variables; by hand it compares HEAD
with where it forked from its upstream. See docs/check.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import git, hook, output, overrides
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_REGRESSION, EXIT_USAGE, BenchguardError

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.results import BenchKey, BenchmarkSet
    from benchguard.runner import RunResult, RunSettings, RunSpec
    from benchguard.selection import Selection
    from benchguard.verdict import ComparisonReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REV",
                        help="compare against REV (default: where HEAD forked from its upstream)")
    parser.add_argument("--head", metavar="REV", help="the commit to check (default: HEAD)")
    parser.add_argument("--pre-push", nargs="+", metavar=("REMOTE", "URL"),
                        help="run as git's pre-push hook: read the pushed refs from stdin")
    parser.add_argument("--allow-regression", action="append", default=[], metavar="REGEX",
                        help="let regressions of benchmarks matching REGEX through (repeatable)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output format (default: text)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why")


def run(args: argparse.Namespace) -> int:
    repo = git.toplevel()
    environ = os.environ
    if overrides.skip_requested(environ):
        print("benchguard: BENCHGUARD_SKIP is set: benchmarks not checked", file=sys.stderr)
        return 0
    ranges = _ranges(repo, args, environ)
    given = overrides.from_invocation(repo, environ, args.allow_regression)
    if not ranges:
        output.progress("no branch updates in this push; nothing to check")
        _emit(args, [])
        return 0
    outcomes = [check_range(repo, found, given, config_path=args.config,
                            verbose=args.verbose) for found in ranges]
    _emit(args, outcomes)
    return max(outcome.exit_code for outcome in outcomes)


def _ranges(repo: Path, args: argparse.Namespace, environ: Mapping[str, str]
            ) -> list[hook.Range]:
    if args.pre_push is not None:
        if len(args.pre_push) > 2:
            raise BenchguardError("--pre-push takes the remote name and, optionally, its URL",
                                  exit_code=EXIT_USAGE)
        return hook.ranges_for_push(repo, args.pre_push[0], hook.parse_ref_lines(sys.stdin.read()))
    by_hand = args.base is not None or args.head is not None
    pre_commit = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_REMOTE_BRANCH")
    if pre_commit and not by_hand:
        found = hook.pre_commit_range(repo, environ)
        return [] if found is None else [found]
    return [hook.manual_range(repo, args.base, args.head)]


def _emit(args: argparse.Namespace, outcomes: list[Outcome]) -> None:
    if args.format == "json":
        documents = [outcome.to_json() for outcome in outcomes]
        if not documents:
            documents = [{**_report_json(None), "status": "skipped", "base": None,
                          "head": None, "selected": [], "allowed": [],
                          "message": "no branch updates to check"}]
        print(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    elif args.format == "markdown":
        print("\n\n".join(outcome.render_markdown() for outcome in outcomes))
    else:
        colour = output.use_colour(sys.stdout)
        text = "\n".join(outcome.render_text(colour=colour) for outcome in outcomes)
        if text:
            print(text)


@dataclass
class Outcome:
    """What checking one pushed branch found."""

    range: hook.Range
    status: str  # "skipped" | "pass" | "regression" | "error"
    message: str = ""
    selection: Selection | None = None
    report: ComparisonReport | None = None
    allowed: list[overrides.Allowance] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_REGRESSION if self.status == "regression" else 0

    def to_json(self) -> dict[str, Any]:
        data = _report_json(self.report)
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
        if self.message:
            data["message"] = self.message
        return data

    def render_text(self, *, colour: bool) -> str:
        if self.report is None:
            return f"benchguard: {self.range.ref}: {self.message}"
        from benchguard import report

        lines = [report.render_text(self.report, colour=colour).rstrip("\n")]
        lines += _regression_table(self.report, colour=colour)
        return "\n".join(lines)

    def render_markdown(self) -> str:
        if self.report is None:
            return f"**benchguard** `{self.range.ref}`: {self.message}"
        from benchguard import report

        lines = [report.render_markdown(self.report).rstrip("\n"), ""]
        for s in self.selection.selected if self.selection else ():
            lines.append(f"- `{s.package}` `{s.pattern}`: {s.reason}")
        return "\n".join(lines)


def check_range(repo: Path, found: hook.Range, given: Sequence[overrides.Override], *,
                config_path: str | None, verbose: bool) -> Outcome:
    span = f"{_short(found.base)}..{_short(found.head)}"
    if found.base is None:
        output.warn(f"{found.ref}: every commit is new (no earlier commit to measure against); "
                    "not checked")
        return Outcome(found, "skipped", "no earlier commit to compare against")
    if found.base == found.head:
        return Outcome(found, "skipped", "no new commits")
    fork = git.merge_base(repo, found.base, found.head) or found.base
    changed = git.changed_files(repo, fork, found.head)
    config = _config(repo, found.head, config_path)
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

            return go.list_packages(head_tree(), tags)

        try:
            chosen = selecting.select(config, changed, list_packages)
            _explain(chosen, verbose)
            if not chosen.selected:
                return Outcome(found, "skipped", "no benchmarks affected by "
                               f"{len(changed)} changed file{'' if len(changed) == 1 else 's'}; "
                               "nothing to check", selection=chosen)
            compared = _measure_and_compare(repo, found, config, chosen, head_tree())
        except BenchguardError as error:
            if error.exit_code != EXIT_BENCH_FAILED or config.on_error != "warn":
                raise
            output.warn(f"{error.message} (on_error = \"warn\": the push is not blocked)")
            return Outcome(found, "error", error.message)
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
    status = "regression" if compared.status == "regression" else "pass"
    return Outcome(found, status, selection=chosen, report=compared, allowed=allowed)


def _config(repo: Path, head: str, config_path: str | None) -> Config:
    """The pushed commit's benchguard.toml (not the working tree's), unless --config says."""
    from benchguard import config

    if config_path is not None:
        return config.load(repo, Path(config_path))
    proc = git.run(["cat-file", "blob", f"{head}:{config.FILENAME}"], cwd=repo, check=False)
    if proc.returncode != 0:
        return config.Config(path=None)
    return config.parse(proc.stdout, filename=config.FILENAME)


def _explain(chosen: Selection, verbose: bool) -> None:
    for selected in chosen.selected:
        what = "all benchmarks" if selected.pattern == "." else selected.pattern
        output.progress(f"selected {selected.package} {what}: {selected.reason}")
    for warning in chosen.warnings:
        output.warn(warning)
    if verbose:
        for line in chosen.skipped:
            output.progress(f"not selected: {line}")


def _measure_and_compare(repo: Path, found: hook.Range, config: Config, chosen: Selection,
                         tree: Path) -> ComparisonReport:
    from benchguard import runner, verdict

    assert found.base is not None
    specs = [runner.RunSpec(s.package, s.pattern, s.tags) for s in chosen.selected]
    present = [spec for spec in specs if (tree / spec.package).is_dir()]
    for spec in specs:
        if spec not in present:
            output.warn(f"{spec.package} is not in {_short(found.head)}; not measured")
    settings = runner.RunSettings.from_config(config)
    head = runner.run_in_tree(tree, present, settings, label=f"head {_short(found.head)}")
    base = _base_results(repo, found.base, config, present, settings, head)

    def threshold(key: BenchKey) -> float:
        for selected in chosen.selected:
            if (selected.threshold is not None
                    and head.packages.get(selected.package) == key.package
                    and _pattern_matches(selected.pattern, key.name)):
                return selected.threshold
        return config.threshold

    return verdict.compare(base, head.benchmarks, alpha=config.alpha, threshold=threshold,
                           metrics=config.metrics or None)


def _base_results(repo: Path, base: str, config: Config, specs: Sequence[RunSpec],
                  settings: RunSettings, head: RunResult) -> BenchmarkSet:
    """The base's stored baseline for this machine where it covers ``specs``; the rest is
    measured in a worktree of the base and stored, so the next push finds it."""
    from benchguard import notes, results, runner

    store = notes.NotesStore(repo, config.notes_ref)
    stored = store.baseline(base, head.fingerprint)
    wanted = _belongs_to(specs, head)
    missing = [spec for spec in specs
               if stored is None or not any(wanted(key.bench, [spec]) for key in stored.samples)]
    parts = []
    if stored is not None:
        output.progress(f"using the stored baseline of {_short(base)} for "
                        f"{len(specs) - len(missing)} of {len(specs)} selections")
        parts.append(stored)
    if missing:
        with git.worktree(repo, base) as tree:
            here = [spec for spec in missing if (tree / spec.package).is_dir()]
            if here:
                measured = runner.run_in_tree(tree, here, settings, label=f"base {_short(base)}")
                if measured.benchmarks.samples:
                    store.append(base, [notes.baseline_record(
                        base, measured.fingerprint, _settings_of(settings, here),
                        measured.benchmarks)])
                parts.append(measured.benchmarks)
    merged = results.merge(parts) if parts else results.BenchmarkSet()
    # A stored baseline may hold more than was selected: compare only what was.
    merged.samples = {key: values for key, values in merged.samples.items()
                      if wanted(key.bench, specs)}
    return merged


def _belongs_to(specs: Sequence[RunSpec], head: RunResult
                ) -> Callable[[BenchKey, Sequence[RunSpec]], bool]:
    def belongs(bench: BenchKey, among: Sequence[RunSpec]) -> bool:
        return any(head.packages.get(spec.package, spec.package) == bench.package
                   and _pattern_matches(spec.pattern, bench.name) for spec in among)
    return belongs


def _pattern_matches(pattern: str, name: str) -> bool:
    """Go's -bench matching, level by level over the "/"-separated parts of the name."""
    parts = name.split("/")
    for level, piece in enumerate(pattern.split("/")):
        if level >= len(parts):
            break
        try:
            if not re.search(piece, parts[level]):
                return False
        except re.error:
            return True
    return True


def _settings_of(settings: RunSettings, specs: Sequence[RunSpec]) -> dict[str, Any]:
    return {"count": settings.count, "benchtime": settings.benchtime,
            "timeout": settings.timeout,
            "specs": [dataclasses.asdict(spec) for spec in specs]}


def _regression_table(compared: ComparisonReport, *, colour: bool) -> list[str]:
    regressions = [c for c in compared.comparisons if c.verdict == "regression"]
    if not regressions:
        return []
    from benchguard.verdict import describe

    rows = [(describe(c.series.bench), c.series.unit,
             "?" if c.delta is None else f"{c.delta * 100:+.1f}%",
             "" if c.p is None else f"p={c.p:.3f}",
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


def _report_json(compared: ComparisonReport | None) -> dict[str, Any]:
    from benchguard import report, verdict

    if compared is None:
        compared = verdict.ComparisonReport(comparisons=[], warnings=[], alpha=0.05)
    return report.to_json(compared)


def _short(sha: str | None) -> str:
    return "(none)" if sha is None else sha[:12]
