"""Letting a known regression through: BENCHGUARD_ALLOW, `git -c benchguard.allow`,
--allow-regression and `Benchguard-Allow:` trailers; BENCHGUARD_SKIP skips the check."""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.engine.status import Verdict
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.store.notes import NotesStore, override_record
from benchguard.style import printable
from benchguard.tools import git

if TYPE_CHECKING:
    from benchguard.engine.benchfmt import BenchKey
    from benchguard.engine.verdict import ComparisonReport
    from benchguard.progress import Reporter
    from benchguard.store.notes import Record

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


def from_messages(repo: Path, messages: Mapping[str, str]) -> list[Override]:
    """`Benchguard-Allow: <regex> <reason>` trailers in the messages of the pushed commits
    (commit -> message, in order)."""
    found = []
    for commit, message in messages.items():
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

    allowed: list[tuple[Override, BenchKey]] = []
    comparisons = []
    for comparison in report.comparisons:
        if comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is None:
            override = next((o for o in overrides if o.matches(comparison.series.bench)), None)
            if override is not None:
                comparison = dataclasses.replace(comparison, allowed_by=override.pattern)
                allowed.append((override, comparison.series.bench))
        comparisons.append(comparison)
    report.comparisons = comparisons
    return allowances(allowed)


def allowances(allowed: Iterable[tuple[Override, BenchKey]]) -> list[Allowance]:
    """What each override let through, in order, each benchmark once as "package.Name"."""
    by_override: dict[Override, list[str]] = {}
    for override, bench in allowed:
        names = by_override.setdefault(override, [])
        if (name := f"{bench.package}.{bench.name}") not in names:
            names.append(name)
    return [Allowance(override, tuple(names)) for override, names in by_override.items()]


def _records(commit: str, allowances: Sequence[Allowance], user: str) -> list[Record]:
    return [override_record(commit, pattern=a.override.pattern,
                            reason=a.override.reason or f"allowed with {a.override.source}",
                            user=user, benchmarks=a.benchmarks)
            for a in allowances]


def record(repo: Path, notes_ref: str, commit: str, allowances: Sequence[Allowance], *,
           reporter: Reporter, what: str = "") -> None:
    """Keep in the notes of ``commit`` who let what through and why (`report` and `show` say
    it later), and tell the user: "<what> allowed by '<pattern>' (<source>): <benchmarks>"."""
    if not allowances:
        return

    user = git.config_get(repo, "user.email") or "unknown"
    NotesStore(repo, notes_ref).append(commit, _records(commit, allowances, user))
    for allowance in allowances:
        reporter.progress(f"{what}allowed by {allowance.override.pattern!r} "
                          f"({allowance.override.source}): {', '.join(allowance.benchmarks)}; "
                          f"recorded in {notes_ref}")


def push_anyway(names: Iterable[str]) -> str:
    """How to let the benchmarks ``names`` through once, as a line to copy."""

    # re.escape first: an escaped control character (\x1b) still matches it as a regex
    escaped = sorted({printable(re.escape(name)) for name in names})
    regex = f"^{escaped[0]}$" if len(escaped) == 1 else f"^({'|'.join(escaped)})$"
    return (f"to push anyway: BENCHGUARD_ALLOW={shlex.quote(regex)} git push  (or add a "
            f"'{TRAILER}: <regex> <reason>' trailer to a commit)")
