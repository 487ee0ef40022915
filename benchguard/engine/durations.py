"""Go durations ("1m30s", "250ms"), as `go test -timeout` and `-benchtime` take them."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
          "h": 3600.0}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = r"(?:ns|us|µs|μs|ms|s|m|h)"
_DURATION = re.compile(rf"(?:{_NUMBER}{_UNIT})+")
_DURATION_PART = re.compile(rf"({_NUMBER})({_UNIT})")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration ("1m30s", "250ms"); ValueError when Go would reject it."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in ("+", "-") else text
    if body == "0":
        return 0.0
    if not body or not _DURATION.fullmatch(body):
        raise ValueError(text)
    seconds = sum(float(number) * _UNITS[unit] for number, unit in _DURATION_PART.findall(body))
    return sign * seconds
