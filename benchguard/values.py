"""The rules for single setting values, shared by benchguard.toml and the command line.

Each rule returns the value it accepts or raises ValueError with a message that names ``key``
("threshold must be …, got 5"); the caller adds where the value came from (a file and line, or
an option). So `compare --threshold` and the config's ``threshold`` are one rule, as are
``--alpha`` and ``alpha``, and the config's ``notes_ref`` and the notes store's.
"""

from __future__ import annotations

import math
import re

from benchguard import paths
from benchguard.durations import parse_duration
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
    """A list of gitignore-style path patterns (benchguard.paths), each able to match."""
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
