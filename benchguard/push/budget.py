"""The time one push's check may take (`budget`, docs/check.md "The time budget"): one deadline
shared by every branch of the push, what does not fit it, and what was left unchecked."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from benchguard.engine.durations import parse_duration
from benchguard.errors import EXIT_USAGE, BenchguardError

# The share of the budget, at most RESERVE_MAX seconds, kept after measuring for deciding,
# writing the notes and printing, so that the whole check ends within its budget.
RESERVE = 0.04
RESERVE_MAX = 8.0


def budget_seconds(budget: str) -> float:
    """The configured budget in seconds; 0 means no limit."""
    try:
        return parse_duration(budget)
    except ValueError:
        raise BenchguardError(f"budget must be a Go duration, got {budget!r}",
                              exit_code=EXIT_USAGE) from None


@dataclass(frozen=True)
class Deadline:
    """When the check of a push must be done: ``budget`` after the push's check started."""

    budget: str  # as configured: "4m"; "0" for no limit
    at: float | None  # time.monotonic() when it passes; None: no limit

    @classmethod
    def starting(cls, budget: str, started: float | None = None) -> Deadline:
        """The deadline of ``budget`` counted from ``started`` (a time.monotonic(); default
        now): every branch of one push counts from the same start. Measuring ends a little
        before the budget does (RESERVE of it), leaving time to compare, keep and say."""
        seconds = budget_seconds(budget)
        start = time.monotonic() if started is None else started
        reserve = min(RESERVE * seconds, RESERVE_MAX)
        return cls(budget, start + seconds - reserve if seconds > 0 else None)

    @property
    def limited(self) -> bool:
        return self.at is not None

    def remaining(self) -> float:
        """Seconds left (never below 0); infinite without a limit."""
        return math.inf if self.at is None else max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def fits(self, seconds: float) -> bool:
        return seconds <= self.remaining()

    def wall_clock(self) -> float | None:
        """The deadline as a time.time() (seconds since the epoch), for JSON; None: no limit."""
        return None if self.at is None else time.time() + (self.at - time.monotonic())

    def limit(self, timeout: float | None) -> float | None:
        """The wall clock a process may have: its own ``timeout`` (None: none), cut at the
        deadline. Spent when the deadline has passed."""
        if self.at is None:
            return timeout
        left = self.remaining()
        if left <= 0:
            raise Spent(self)
        return left if timeout is None else min(timeout, left)


class Spent(Exception):  # not an error: the deadline came, as it may
    """The deadline passed (or would, before a run as long as the last ones could finish),
    before a step could start or while it ran (its processes are stopped: go.run stops the
    whole process group)."""

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(f"time budget {deadline.budget} spent")
        self.deadline = deadline


@dataclass(frozen=True)
class Unchecked:
    """A selection a check did not measure (or not enough to decide), and why."""

    package: str  # "./hashing"
    pattern: str  # the selection's; with ``benchmarks``, one that runs exactly those
    tags: tuple[str, ...]
    reason: str
    # measured in part: the benchmarks left out (full names); empty: none of it was measured
    benchmarks: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"package": self.package, "pattern": self.pattern, "tags": list(self.tags),
                "reason": self.reason, "benchmarks": list(self.benchmarks)}


def seconds_text(seconds: float) -> str:
    """A duration as a person reads it: "45s", "3m10s"."""
    if math.isinf(seconds):
        return "no limit"
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"
