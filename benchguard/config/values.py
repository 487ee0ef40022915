"""The rules for single setting values, shared by benchguard.toml and the command line.

Each rule returns the value it accepts or raises ValueError with a message that names ``key``
("threshold must be …, got 5"); the caller adds where the value came from (a file and line, or
an option). So `compare --threshold` and the config's ``threshold`` are one rule, as are
``--alpha`` and ``alpha``, and the config's ``notes_ref`` and the notes store's.
"""

from __future__ import annotations

import math
import re

from benchguard.config import paths
from benchguard.engine.benchfmt import tidy_unit  # only when a configuration sets one
from benchguard.engine.durations import parse_duration
from benchguard.style import printable

NOTES_PREFIX = "refs/notes/"

_TAG = re.compile(r"[A-Za-z0-9_.\-]+")
# what `git check-ref-format` rejects in a ref name, and control characters
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|//|/\.|@\{|\.lock$|/$|\.$")


def parse_threshold(value: object, key: str = "threshold") -> float:
    """The smallest change that counts, as a fraction: "5%" -> 0.05; 0.05 or "0.05" -> 0.05.

    A bare number is a fraction and must be below 1, so a bare 5 is an error suggesting "5%",
    not a threshold of 500%."""
    problem = f'{key} must be a percentage like "5%" or a fraction like 0.05, got {show(value)}'
    percent = isinstance(value, str) and value.strip().endswith("%")
    number = _number(value.strip().removesuffix("%") if isinstance(value, str) else value)
    if number is None or not math.isfinite(number) or number < 0:
        raise ValueError(problem)
    if percent:
        return number / 100
    if number >= 1:
        raise ValueError(f'{problem} (a fraction must be below 1; did you mean "{number:g}%"?)')
    return number


def parse_thresholds(value: object, key: str = "thresholds") -> tuple[tuple[str, float], ...]:
    """A threshold per metric: {"allocs/op": "0%", "sec/op": "5%"} -> (("allocs/op", 0.0),
    ("sec/op", 0.05)). Metrics are tidy units; benchstat's aliases ("ns/op", "MB/s") count as
    theirs ("sec/op", "B/s")."""
    return tuple((metric, parse_threshold(one, f"{key}: {show(name)}"))
                 for name, (metric, _), one in _per_metric(value, key))


def tidy_metric(metric: str) -> str:
    """A metric as benchstat names it: "ns/op" is "sec/op", "MB/s" is "B/s"."""
    return tidy_unit(metric)[0]


def parse_min_effect(value: object, key: str = "min_effect") -> tuple[tuple[str, float], ...]:
    """The smallest absolute change per metric that may block, in the metric's tidy unit:
    {"sec/op": "2ns", "B/op": "64B"} -> (("sec/op", 2e-9), ("B/op", 64.0)). A time metric
    takes a Go duration, a bytes metric a size ("64B", "1KiB", "1kB"); a plain number is in
    the unit its key names ("ns/op" = 2 is 2ns)."""
    return tuple((metric, _absolute(one, metric, factor, f"{key}: {show(name)}"))
                 for name, (metric, factor), one in _per_metric(value, key))


# sizes a bytes metric's min_effect may be written in: SI (kB, MB, GB) and binary (KiB, …)
BYTE_SUFFIXES = {"B": 1.0, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1024.0,
                 "MiB": 1024.0 ** 2, "GiB": 1024.0 ** 3}
_SIZE = re.compile(r"((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)")


def _per_metric(value: object, key: str) -> list[tuple[str, tuple[str, float], object]]:
    """The (name as written, (tidy unit, factor), value) of a table keyed by metric."""
    if not isinstance(value, dict):
        raise ValueError(f'{key} must be a table of metrics, like {{ "sec/op" = … }}, '
                         f"got {show(value)}")

    metrics = []
    seen: dict[str, str] = {}
    for name, one in value.items():
        if not name or any(char.isspace() for char in name):
            raise ValueError(f"{key}: {show(name)} is not a metric (a unit like \"sec/op\")")
        tidy = tidy_unit(name)
        if tidy[0] in seen:
            raise ValueError(f"{key}: {show(name)} and {show(seen[tidy[0]])} are the same "
                             f"metric ({tidy[0]})")
        seen[tidy[0]] = name
        metrics.append((name, tidy, one))
    return metrics


def _absolute(value: object, metric: str, factor: float, key: str) -> float:
    """An absolute amount of ``metric`` (a tidy unit); ``factor`` converts a plain number
    from the unit its key was written in."""
    numerator = metric.split("/", 1)[0]
    number = _number(value) if not isinstance(value, str) else None
    if number is not None:
        amount = number * factor
    elif isinstance(value, str) and numerator == "sec":
        seconds = _seconds(value)
        if seconds is None:
            raise ValueError(f'{key} must be a Go duration like "2ns", got {show(value)}')
        amount = seconds
    elif isinstance(value, str) and numerator == "B":
        found = _SIZE.fullmatch(value.strip())
        if found is None or found.group(2) not in BYTE_SUFFIXES:
            raise ValueError(f'{key} must be a size like "64B", "1KiB" or "1kB", '
                             f"got {show(value)}")
        amount = float(found.group(1)) * BYTE_SUFFIXES[found.group(2)]
    else:
        raise ValueError(f"{key} must be a number of {metric}, got {show(value)}")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{key} must not be negative, got {show(value)}")
    return amount


def parse_alpha(value: object, key: str = "alpha") -> float:
    """The significance level of the test: a number strictly between 0 and 1."""
    number = _number(value)
    if number is None or not 0 < number < 1:
        raise ValueError(f"{key} must be a number between 0 and 1 (exclusive), "
                         f"got {show(value)}")
    return number


def check_notes_ref(value: object, key: str = "notes_ref") -> str:
    """A valid ref name under refs/notes/, the only place `git notes merge` works."""
    if (not isinstance(value, str) or not value.startswith(NOTES_PREFIX)
            or value == NOTES_PREFIX or _BAD_REF.search(value)):
        raise ValueError(f'{key} must be a ref under refs/notes/ like "refs/notes/benchguard" '
                         f"(git notes merge works only there), got {show(value)}")
    return value


def check_integer(value: object, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} must be an integer ≥ {minimum}, got {show(value)}")
    return value


def check_boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {show(value)}")
    return value


def check_choice(value: object, key: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        allowed = " or ".join(f'"{choice}"' for choice in choices)
        raise ValueError(f"{key} must be {allowed}, got {show(value)}")
    return value


def check_strings(value: object, key: str, *, non_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"{key} must be a list of non-empty strings, got {show(value)}")
    if non_empty and not value:
        raise ValueError(f"{key} must not be empty")
    return tuple(value)


def check_patterns(value: object, key: str, *, non_empty: bool) -> tuple[str, ...]:
    """A list of gitignore-style path patterns (benchguard.config.paths), each able to match."""
    patterns = check_strings(value, key, non_empty=non_empty)
    for pattern in patterns:
        try:
            if not pattern.lstrip("!/").strip("/"):
                raise ValueError(f"'{pattern}' matches nothing")
            paths.check_pattern(pattern)
        except ValueError as error:
            raise ValueError(f"{key}: {printable(str(error))}") from None
    return patterns


def check_duration(value: object, key: str) -> str:
    """A Go duration, at least 0 ("10m", "90s"; "0" for no limit)."""
    seconds = _seconds(value)
    if not isinstance(value, str) or seconds is None or seconds < 0:
        raise ValueError(f'{key} must be a Go duration like "10m" or "90s", got {show(value)}')
    return value


def check_benchtime(value: object, key: str = "benchtime") -> str:
    """`go test -benchtime`: a positive Go duration ("1s") or an iteration count ("100x")."""
    if isinstance(value, str) and value.endswith("x"):
        valid = value[:-1].isdigit() and int(value[:-1]) > 0
    else:
        seconds = _seconds(value)
        valid = seconds is not None and seconds > 0
    if not isinstance(value, str) or not valid:
        raise ValueError(f'{key} must be a Go duration like "1s" or an iteration count like '
                         f'"100x", got {show(value)}')
    return value


def check_package(value: object, key: str) -> str:
    """A package directory relative to the module root: "." or "./dir" (a trailing "/" goes)."""
    if not isinstance(value, str):
        raise ValueError(f'{key} must be a string like "./hashing", got {show(value)}')
    name = value.rstrip("/") if value not in ("./", ".") else "."
    if name != "." and not name.startswith("./"):
        raise ValueError(f'{key} must be "." or start with "./" (a directory relative to the '
                         f"module root), got {show(value)}")
    if "..." in name:
        raise ValueError(f"{key}: {show(value)}: '...' patterns are not supported; "
                         "list the packages")
    if any(part in ("", ".", "..") for part in name.split("/")[1:]) or "\\" in name:
        raise ValueError(f"{key}: {show(value)} is not a clean relative directory")
    return name


def check_regex(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty regular expression, got {show(value)}")
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"{key} {show(value)} is not a valid regular expression: "
                         f"{error}") from None
    return value


def check_tags(value: object, key: str) -> tuple[str, ...]:
    tags = check_strings(value, key, non_empty=False)
    for tag in tags:
        if not _TAG.fullmatch(tag):
            raise ValueError(f"{key} must be Go build tags (letters, digits, _ . -), "
                             f"got {show(tag)}")
    return tags


def show(value: object) -> str:
    """A value as the user wrote it, near enough: strings quoted, booleans in TOML spelling,
    control characters escaped (an error message stays one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{printable(value)}'"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "a table"
    return printable(str(value))


def _number(value: object) -> float | None:
    """An int or float (not a boolean), or text that spells one; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _seconds(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_duration(value)
    except ValueError:
        return None
