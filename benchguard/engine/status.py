"""The fixed words of a result: a comparison's verdict and a check's status. Their values are the
JSON contract (docs/json.md); light enough for the start of every check (it imports nothing of
benchguard)."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What one (benchmark, metric) comparison says; the values are the JSON contract."""

    REGRESSION = "regression"
    IMPROVEMENT = "improvement"
    SAME = "same"
    INSUFFICIENT = "insufficient"
    NEW = "new"
    MISSING = "missing"
    # `check` only: neither blocked nor settled by its rounds (too noisy, or out of rounds or
    # time); it passes, with a warning
    UNRESOLVED = "unresolved"
    # `check` only: worse than the threshold by its whole interval, but the time budget ran out
    # before a look confirmed it; on_budget says what it does to the push
    UNCONFIRMED = "unconfirmed"


class Status(StrEnum):
    """What a whole check (or comparison) says; the values are the JSON contract."""

    PASS = "pass"
    REGRESSION = "regression"
    SKIPPED = "skipped"
    ERROR = "error"
    INCOMPLETE = "incomplete"  # the time budget ran out before every selection was checked
