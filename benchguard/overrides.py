"""Letting a known regression through: BENCHGUARD_ALLOW, `git -c benchguard.allow`,
--allow-regression and `Benchguard-Allow:` trailers; BENCHGUARD_SKIP skips the check."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard import git
from benchguard.errors import EXIT_USAGE, BenchguardError

if TYPE_CHECKING:
    from benchguard.notes import Record
    from benchguard.results import BenchKey
    from benchguard.verdict import ComparisonReport

TRAILER = "Benchguard-Allow"
CONFIG_KEY = "benchguard.allow"


@dataclass(frozen=True)
class Override:
    """A regex over benchmark names, where it came from, and why."""

    pattern: str
    regex: re.Pattern[str]
    source: str
    reason: str = ""

    def matches(self, key: BenchKey) -> bool:
        names = [key.name, f"{key.package}.{key.name}"]
        if not key.name.startswith("Benchmark"):
            names += [f"Benchmark{key.name}", f"{key.package}.Benchmark{key.name}"]
        return any(self.regex.search(name) for name in names)


@dataclass(frozen=True)
class Allowance:
    """The regressions one override let through."""

    override: Override
    benchmarks: tuple[str, ...]


def skip_requested(environ: Mapping[str, str]) -> bool:
    return environ.get("BENCHGUARD_SKIP", "").strip().lower() not in ("", "0", "false", "no")


def make(pattern: str, source: str, reason: str = "") -> Override:
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise BenchguardError(f"invalid regular expression {pattern!r} in {source}: {error}",
                              exit_code=EXIT_USAGE) from None
    return Override(pattern, regex, source, reason)


def from_invocation(repo: Path, environ: Mapping[str, str],
                    cli: Sequence[str] = ()) -> list[Override]:
    """Overrides given for this push: the environment, `git -c`, the command line."""
    found = [make(p.strip(), "BENCHGUARD_ALLOW")
             for p in environ.get("BENCHGUARD_ALLOW", "").split(",") if p.strip()]
    # git passes `git -c benchguard.allow=…` to hooks in GIT_CONFIG_PARAMETERS; git config sees it.
    found += [make(p, f"git config {CONFIG_KEY}")
              for p in git.config_get_all(repo, CONFIG_KEY) if p.strip()]
    found += [make(p, "--allow-regression") for p in cli]
    return found


def from_commits(repo: Path, commits: Sequence[str]) -> list[Override]:
    """`Benchguard-Allow: <regex> <reason>` trailers of the pushed commits."""
    found = []
    messages = git.commit_messages(repo, commits)  # one git process for a push of any size
    for commit in commits:
        message = messages.get(commit, "")
        if TRAILER.lower() not in message.lower():
            continue
        trailers = git.output(["interpret-trailers", "--parse"], cwd=repo, input=message + "\n")
        for line in trailers.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() != TRAILER.lower() or not value.strip():
                continue
            pattern, _, reason = value.strip().partition(" ")
            found.append(make(pattern, f"the {TRAILER} trailer of commit {commit[:12]}",
                              reason.strip()))
    return found


def apply(report: ComparisonReport, overrides: Sequence[Override]) -> list[Allowance]:
    """Mark each regression an override covers as allowed (it stays a "regression")."""
    from benchguard.verdict import Verdict

    allowed: dict[int, list[str]] = {}
    comparisons = []
    for comparison in report.comparisons:
        if comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is None:
            for index, override in enumerate(overrides):
                if override.matches(comparison.series.bench):
                    comparison = dataclasses.replace(comparison, allowed_by=override.pattern)
                    bench = comparison.series.bench
                    name = f"{bench.package}.{bench.name}"
                    names = allowed.setdefault(index, [])
                    if name not in names:
                        names.append(name)
                    break
        comparisons.append(comparison)
    report.comparisons = comparisons
    return [Allowance(overrides[index], tuple(names)) for index, names in allowed.items()]


def records(commit: str, allowances: Sequence[Allowance], user: str) -> list[Record]:
    from benchguard.notes import override_record

    return [override_record(commit, pattern=a.override.pattern,
                            reason=a.override.reason or f"allowed with {a.override.source}",
                            user=user, benchmarks=a.benchmarks)
            for a in allowances]
