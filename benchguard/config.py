"""benchguard.toml: the settings and the map from changed paths to benchmarks (docs/config.md)."""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from benchguard.errors import EXIT_USAGE, BenchguardError

FILENAME = "benchguard.toml"

DEFAULT_METRICS = ("sec/op", "B/op", "allocs/op")
DEFAULT_ALWAYS = ("go.mod", "go.sum", FILENAME)
ON_ERROR_CHOICES = ("block", "warn")
CORRECTION_CHOICES = ("holm", "none")


@dataclass(frozen=True)
class BenchEntry:
    """One [[bench]] table: changes to ``paths`` select ``pattern`` in ``packages``."""

    paths: tuple[str, ...]
    packages: tuple[str, ...]
    pattern: str = "."
    tags: tuple[str, ...] = ()
    threshold: float | None = None
    line: int = 0


# [[target]] limit keys -> (unit the benchmark reports, factor from that unit, True for a minimum)
TARGET_METRICS: dict[str, tuple[str, float, bool]] = {
    "min_ops_per_sec": ("sec/op", 1.0, True),
    "max_ns_per_op": ("sec/op", 1e9, False),
    "max_bytes_per_op": ("B/op", 1.0, False),
    "max_allocs_per_op": ("allocs/op", 1.0, False),
    "min_bytes_per_sec": ("B/s", 1.0, True),
}


@dataclass(frozen=True)
class Target:
    """One [[target]] table: an absolute limit on the benchmarks whose names match ``bench``."""

    bench: str  # a regular expression searched in the full benchmark name
    metric: str  # one of TARGET_METRICS
    limit: float
    package: str | None = None  # "./dir", as in [[bench]]
    enforce: bool = True
    line: int = 0


@dataclass(frozen=True)
class Config:
    path: str | None
    count: int = 6
    benchtime: str = "1s"
    threshold: float = 0.05
    alpha: float = 0.05
    timeout: str = "10m"
    metrics: tuple[str, ...] = DEFAULT_METRICS
    always: tuple[str, ...] = DEFAULT_ALWAYS
    notes_ref: str = "refs/notes/benchguard"
    auto: bool = True
    auto_max_packages: int = 8
    on_error: str = "block"
    # noisy machines (docs/check.md#noisy-machines)
    confirm: bool = True
    correction: str = "holm"
    max_count: int = 30
    budget: str = "3m"
    benches: tuple[BenchEntry, ...] = ()
    targets: tuple[Target, ...] = ()

    def threshold_of(self, entry: BenchEntry) -> float:
        return self.threshold if entry.threshold is None else entry.threshold


def load(repo: Path, path: Path | None = None) -> Config:
    """The configuration of ``repo``: ``path``, else benchguard.toml at its root, else defaults."""
    explicit = path is not None
    file = Path(path) if path is not None else repo / FILENAME
    if not file.is_file():
        if explicit:
            raise BenchguardError(f"{file}: no such configuration file", exit_code=EXIT_USAGE)
        return Config(path=None)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise BenchguardError(f"{file}: cannot read: {error}", exit_code=EXIT_USAGE) from error
    filename = _display_name(file, repo)
    config = parse(decode(data, filename=filename), filename=filename)
    return replace(config, path=str(file.resolve()))


def decode(data: bytes, *, filename: str) -> str:
    """The file's text; TOML is UTF-8, and a stray byte is an error naming its line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BenchguardError(
            f"{filename}:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x}); "
            "save the file as UTF-8",
            exit_code=EXIT_USAGE,
        ) from error


def parse(text: str, *, filename: str) -> Config:
    """Parse the text of a benchguard.toml; every error is "FILENAME:LINE: …" with exit code 2."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, filename, text) from error
    return _Reader(text, filename).config(data)


def path_matches(pattern: str, path: str) -> bool:
    """Whether the repository-relative ``path`` matches the gitignore-style ``pattern``.

    ``*`` and ``?`` stay within one path segment, ``**`` spans directories, a leading ``/``
    anchors at the root, a pattern without ``/`` matches a name at any depth, and a pattern that
    names a directory (or ends in ``/``) matches everything under it. ``!`` patterns only mean
    something in a list: see :func:`matches_any`.
    """
    if pattern.startswith("!"):
        return False
    return _compile(pattern).fullmatch(path.removeprefix("./")) is not None


def matches_any(patterns: Iterable[str], path: str) -> bool:
    """gitignore semantics for a list: the last matching pattern wins, ``!pattern`` excludes."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if matched and path_matches(pattern[1:], path):
                matched = False
        elif not matched and path_matches(pattern, path):
            matched = True
    return matched


def smallest_count(alpha: float) -> int:
    """The fewest runs per side for which a Mann–Whitney U test can reach p ≤ alpha."""
    count = 1
    while _smallest_p(count) > alpha:
        count += 1
    return count


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


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
          "h": 3600.0}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = r"(?:ns|us|µs|μs|ms|s|m|h)"
_DURATION = re.compile(rf"(?:{_NUMBER}{_UNIT})+")
_DURATION_PART = re.compile(rf"({_NUMBER})({_UNIT})")


def _smallest_p(count: int) -> float:
    # Two-sided exact Mann–Whitney: the most extreme of C(2n, n) orderings, counted both ways.
    return min(1.0, 2 / math.comb(2 * count, count))


def _display_name(file: Path, repo: Path) -> str:
    try:
        return str(file.resolve().relative_to(repo.resolve()))
    except ValueError:
        return str(file)


def _syntax_error(error: tomllib.TOMLDecodeError, filename: str, text: str) -> BenchguardError:
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found is None:
        # an unterminated string or array: name the last line, where the file ended
        found = re.search(r"\s*\(at end of document\)$", message)
        line = str(max(1, len(text.splitlines())))
    else:
        line = found.group(1)
    if found is not None:
        message = message[: found.start()]
    return BenchguardError(f"{filename}:{line}: invalid TOML: {message}", exit_code=EXIT_USAGE)


# --- gitignore-style patterns ------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    directory_only = pattern.endswith("/")
    body = pattern.rstrip("/")
    if body.startswith("./"):
        body = "/" + body[2:]
    anchored = "/" in body
    body = body.lstrip("/")
    segments = body.split("/") if anchored else ["**", body]
    regex = ""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            regex += ".*" if last else "(?:[^/]*/)*"
        else:
            regex += _translate_segment(segment) + ("" if last else "/")
    # Matching a directory matches everything under it.
    regex += "/.*" if directory_only else "(?:/.*)?"
    return re.compile(regex, re.DOTALL)


def _translate_segment(segment: str) -> str:
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif char == "[":
            negate = segment[i + 1 : i + 2] in ("!", "^")
            first = i + 2 if negate else i + 1
            # A "]" right after "[" or "[!" is a literal member, as in gitignore.
            end = segment.find("]", first + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                inner = "".join(re.escape(member) if member in "\\[]^" else member
                                for member in segment[first:end])
                out.append(f"[^/{inner}]" if negate else f"(?![/])[{inner}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


# --- reading and validating the parsed TOML ----------------------------------------------------

_TOP_KEYS = ("count", "benchtime", "threshold", "alpha", "timeout", "metrics", "always",
             "notes_ref", "auto", "auto_max_packages", "on_error", "bench", "target",
             "confirm", "correction", "max_count", "budget")
_BENCH_KEYS = ("paths", "package", "packages", "pattern", "tags", "threshold")
_TARGET_KEYS = ("bench", "package", "enforce", *TARGET_METRICS)
_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TAG = re.compile(r"^[A-Za-z0-9_.\-]+$")


_Scope = tuple[str | None, int]  # (None, 0) for the top level, ("bench", n) for the n-th [[bench]]


class _Reader:
    """Validates parsed TOML, finding line numbers by scanning the text (tomllib has none)."""

    def __init__(self, text: str, filename: str) -> None:
        self.lines = text.splitlines()
        self.filename = filename
        # (table name, first line index) for every [table] / [[table]] header, in order
        self.headers = [
            (match.group(1).strip().strip("\"'"), index)
            for index, line in enumerate(self.lines)
            if (match := _HEADER.match(line))
        ]

    def config(self, data: dict[str, Any]) -> Config:
        self._check_keys(data, _TOP_KEYS, None)
        values: dict[str, Any] = {}
        top: _Scope = (None, 0)
        if "count" in data:
            values["count"] = self._int(data, "count", top, minimum=1)
        if "benchtime" in data:
            values["benchtime"] = self._benchtime(data, top)
        if "threshold" in data:
            values["threshold"] = self._threshold(data, "threshold", top)
        if "alpha" in data:
            values["alpha"] = self._alpha(data, top)
        if "timeout" in data:
            values["timeout"] = self._duration(data, "timeout", top)
        if "metrics" in data:
            values["metrics"] = self._strings(data, "metrics", top, non_empty=True)
        if "always" in data:
            values["always"] = self._patterns(data, "always", top, non_empty=False)
        if "notes_ref" in data:
            values["notes_ref"] = self._notes_ref(data, top)
        if "auto" in data:
            values["auto"] = self._bool(data, "auto", top)
        if "auto_max_packages" in data:
            values["auto_max_packages"] = self._int(data, "auto_max_packages", top, minimum=0)
        if "on_error" in data:
            values["on_error"] = self._choice(data, "on_error", top, ON_ERROR_CHOICES)
        if "confirm" in data:
            values["confirm"] = self._bool(data, "confirm", top)
        if "correction" in data:
            values["correction"] = self._choice(data, "correction", top, CORRECTION_CHOICES)
        if "max_count" in data:
            values["max_count"] = self._int(data, "max_count", top, minimum=1)
            if values["max_count"] < values.get("count", Config.count):
                self._fail(self._line("max_count", top),
                           f"max_count = {values['max_count']} is below count = "
                           f"{values.get('count', Config.count)}; it is the most runs per side "
                           "when results are inconclusive")
        if "budget" in data:
            values["budget"] = self._duration(data, "budget", top)
        if "bench" in data:
            values["benches"] = self._benches(data["bench"])
        if "target" in data:
            values["targets"] = self._targets(data["target"])
        config = Config(path=None, **values)
        self._check_count_reaches_significance(config)
        return config

    # -- sections

    def _benches(self, raw: Any) -> tuple[BenchEntry, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            kind = "a table" if isinstance(raw, dict) else _type_name(raw)
            self._fail(self._line("bench", (None, 0)),
                       f"bench must be an array of tables, written [[bench]]; got {kind}")
        return tuple(self._bench(table, index) for index, table in enumerate(raw))

    def _bench(self, table: dict[str, Any], index: int) -> BenchEntry:
        scope: _Scope = ("bench", index)
        header = self._header_line(scope)
        self._check_keys(table, _BENCH_KEYS, scope)
        if "paths" not in table:
            self._fail(header, "[[bench]] needs paths = [\"dir/**\", …]: the files whose changes "
                               "select this benchmark")
        paths = self._patterns(table, "paths", scope, non_empty=True)
        if ("package" in table) == ("packages" in table):
            both = "both package and packages" if "package" in table else "no package"
            self._fail(header, f"[[bench]] needs exactly one of package = \"./dir\" or "
                               f"packages = [...]; got {both}")
        packages: tuple[str, ...]
        if "package" in table:
            packages = (self._package(table, "package", scope, table["package"]),)
        else:
            names = self._strings(table, "packages", scope, non_empty=True)
            packages = tuple(self._package(table, "packages", scope, name) for name in names)
        pattern = "."
        if "pattern" in table:
            pattern = self._regex(table, scope)
        tags: tuple[str, ...] = ()
        if "tags" in table:
            tags = self._strings(table, "tags", scope, non_empty=False)
            for tag in tags:
                if not _TAG.match(tag):
                    self._fail(self._line("tags", scope),
                               f"tags must be Go build tags (letters, digits, _ . -), got '{tag}'")
        threshold = None
        if "threshold" in table:
            threshold = self._threshold(table, "threshold", scope)
        return BenchEntry(paths=paths, packages=tuple(dict.fromkeys(packages)), pattern=pattern,
                          tags=tags, threshold=threshold, line=header)

    def _targets(self, raw: Any) -> tuple[Target, ...]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            kind = "a table" if isinstance(raw, dict) else _type_name(raw)
            self._fail(self._line("target", (None, 0)),
                       f"target must be an array of tables, written [[target]]; got {kind}")
        return tuple(self._target(table, index) for index, table in enumerate(raw))

    def _target(self, table: dict[str, Any], index: int) -> Target:
        scope: _Scope = ("target", index)
        header = self._header_line(scope)
        self._check_keys(table, _TARGET_KEYS, scope)
        if "bench" not in table:
            self._fail(header, '[[target]] needs bench = "BenchmarkName": a regular expression '
                               "over full benchmark names")
        bench = self._regex(table, scope, key="bench")
        limits = [key for key in TARGET_METRICS if key in table]
        if len(limits) != 1:
            got = f"both {limits[0]} and {limits[1]}" if len(limits) > 1 else "none"
            self._fail(self._line(limits[1], scope) if len(limits) > 1 else header,
                       f"[[target]] needs exactly one limit ({', '.join(TARGET_METRICS)}); "
                       f"got {got}")
        metric = limits[0]
        value = table[metric]
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value <= 0):
            self._fail(self._line(metric, scope),
                       f"{metric} must be a positive number, got {_show(value)}")
        package = None
        if "package" in table:
            package = self._package(table, "package", scope, table["package"])
        enforce = self._bool(table, "enforce", scope) if "enforce" in table else True
        return Target(bench=bench, metric=metric, limit=float(value), package=package,
                      enforce=enforce, line=header)

    def _check_keys(self, table: dict[str, Any], known: tuple[str, ...], scope: _Scope | None
                    ) -> None:
        where = scope or (None, 0)
        for key in table:
            if key in known:
                continue
            import difflib  # only for a misspelt key

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            inside = f" in [[{scope[0]}]]" if scope else ""
            self._fail(self._line(key, where), f"unknown key '{key}'{inside}{hint}")

    def _check_count_reaches_significance(self, config: Config) -> None:
        smallest = _smallest_p(config.count)
        if smallest <= config.alpha:
            return
        needed = smallest_count(config.alpha)
        line = self._line("count", (None, 0)) or self._line("alpha", (None, 0))
        self._fail(line, f"count = {config.count} can never show a significant difference at "
                         f"alpha = {config.alpha:g} (the smallest possible p is {smallest:.3g}); "
                         f"use count = {needed} or more")

    # -- values

    def _int(self, table: dict[str, Any], key: str, scope: _Scope, *, minimum: int) -> int:
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._fail(self._line(key, scope),
                       f"{key} must be an integer ≥ {minimum}, got {_show(value)}")
        result: int = value
        return result

    def _bool(self, table: dict[str, Any], key: str, scope: _Scope) -> bool:
        value = table[key]
        if not isinstance(value, bool):
            self._fail(self._line(key, scope), f"{key} must be true or false, got {_show(value)}")
        result: bool = value
        return result

    def _choice(self, table: dict[str, Any], key: str, scope: _Scope,
                choices: tuple[str, ...]) -> str:
        value = table[key]
        if value not in choices:
            allowed = " or ".join(f'"{choice}"' for choice in choices)
            self._fail(self._line(key, scope), f"{key} must be {allowed}, got {_show(value)}")
        result: str = value
        return result

    def _strings(self, table: dict[str, Any], key: str, scope: _Scope, *, non_empty: bool
                 ) -> tuple[str, ...]:
        value = table[key]
        if (not isinstance(value, list)
                or not all(isinstance(item, str) and item for item in value)):
            self._fail(self._line(key, scope),
                       f"{key} must be a list of non-empty strings, got {_show(value)}")
        if non_empty and not value:
            self._fail(self._line(key, scope), f"{key} must not be empty")
        return tuple(value)

    def _patterns(self, table: dict[str, Any], key: str, scope: _Scope, *, non_empty: bool
                  ) -> tuple[str, ...]:
        patterns = self._strings(table, key, scope, non_empty=non_empty)
        for pattern in patterns:
            if not pattern.lstrip("!/").strip("/"):
                self._fail(self._line(key, scope), f"{key}: '{pattern}' matches nothing")
        return patterns

    def _threshold(self, table: dict[str, Any], key: str, scope: _Scope) -> float:
        value = table[key]
        line = self._line(key, scope)
        problem = (f'{key} must be a percentage like "5%" or a fraction like 0.05, '
                   f"got {_show(value)}")
        if isinstance(value, str):
            number = value.strip().removesuffix("%").strip()
            if not value.strip().endswith("%"):
                self._fail(line, problem)
            try:
                fraction = float(number) / 100
            except ValueError:
                self._fail(line, problem)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            fraction = float(value)
            if fraction >= 1:
                self._fail(line, f"{problem} (a fraction must be below 1; did you mean "
                                 f"\"{value:g}%\"?)")
        else:
            self._fail(line, problem)
        if not math.isfinite(fraction) or fraction < 0:
            self._fail(line, problem)
        return fraction

    def _alpha(self, table: dict[str, Any], scope: _Scope) -> float:
        value = table["alpha"]
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not 0 < value < 1):
            self._fail(self._line("alpha", scope),
                       f"alpha must be a number between 0 and 1 (exclusive), got {_show(value)}")
        return float(value)

    def _duration(self, table: dict[str, Any], key: str, scope: _Scope) -> str:
        value = table[key]
        try:
            if not isinstance(value, str) or parse_duration(value) < 0:
                raise ValueError(value)
        except ValueError:
            self._fail(self._line(key, scope),
                       f"{key} must be a Go duration like \"10m\" or \"90s\", got {_show(value)}")
        result: str = value
        return result

    def _benchtime(self, table: dict[str, Any], scope: _Scope) -> str:
        value = table["benchtime"]
        valid = False
        if isinstance(value, str):
            if value.endswith("x"):
                valid = value[:-1].isdigit() and int(value[:-1]) > 0
            else:
                try:
                    valid = parse_duration(value) > 0
                except ValueError:
                    valid = False
        if not valid:
            self._fail(self._line("benchtime", scope),
                       f"benchtime must be a Go duration like \"1s\" or an iteration count like "
                       f"\"100x\", got {_show(value)}")
        result: str = value
        return result

    def _notes_ref(self, table: dict[str, Any], scope: _Scope) -> str:
        value = table["notes_ref"]
        if (not isinstance(value, str) or not value.startswith("refs/")
                or re.search(r"[\s~^:?*\[\\]|\.\.|//|@\{|\.lock$|/$|\.$", value)):
            self._fail(self._line("notes_ref", scope),
                       f"notes_ref must be a git ref like \"refs/notes/benchguard\", "
                       f"got {_show(value)}")
        result: str = value
        return result

    def _package(self, table: dict[str, Any], key: str, scope: _Scope, value: Any) -> str:
        line = self._line(key, scope)
        if not isinstance(value, str):
            self._fail(line, f"{key} must be a string like \"./hashing\", got {_show(value)}")
        name = value.rstrip("/") if value not in ("./", ".") else "."
        if name != "." and not name.startswith("./"):
            self._fail(line, f"{key} must be \".\" or start with \"./\" (a directory relative to "
                             f"the module root), got {_show(value)}")
        parts = name.split("/")[1:]
        if "..." in name:
            self._fail(line, f"{key}: '{value}': '...' patterns are not supported; "
                             f"list the packages")
        if any(part in ("", ".", "..") for part in parts) or "\\" in name:
            self._fail(line, f"{key}: '{value}' is not a clean relative directory")
        return name

    def _regex(self, table: dict[str, Any], scope: _Scope, key: str = "pattern") -> str:
        value = table[key]
        line = self._line(key, scope)
        if not isinstance(value, str) or not value:
            self._fail(line, f"{key} must be a non-empty regular expression, got {_show(value)}")
        try:
            re.compile(value)
        except re.error as error:
            self._fail(line, f"{key} {_show(value)} is not a valid regular expression: {error}")
        result: str = value
        return result

    # -- positions

    def _section(self, scope: _Scope) -> tuple[int, int]:
        """The [start, end) line indexes of the top level or of the n-th [[name]] table."""
        name, index = scope
        if name is None:
            return 0, self.headers[0][1] if self.headers else len(self.lines)
        starts = [line for header, line in self.headers if header == name]
        if index >= len(starts):
            return 0, len(self.lines)
        start = starts[index]
        later = [line for _, line in self.headers if line > start]
        return start, later[0] if later else len(self.lines)

    def _line(self, key: str, scope: _Scope) -> int:
        start, end = self._section(scope)
        assignment = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
                                rf"\s*(?:=|\.)")
        for index in range(start, end):
            if assignment.match(self.lines[index]):
                return index + 1
        for header, index in self.headers:
            if header == key or header.startswith(f"{key}."):
                return index + 1
        return self._header_line(scope)

    def _header_line(self, scope: _Scope) -> int:
        name, index = scope
        if name is None:
            return 0
        start, _ = self._section(scope)
        matches = [line for header, line in self.headers if header == name]
        return start + 1 if index < len(matches) else self._line(name, (None, 0))

    def _fail(self, line: int, message: str) -> NoReturn:
        where = f"{self.filename}:{line}" if line else self.filename
        raise BenchguardError(f"{where}: {message}", exit_code=EXIT_USAGE)


def _type_name(value: Any) -> str:
    names: dict[type, str] = {str: "a string", int: "an integer", float: "a number",
                              bool: "a boolean", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    """A value as the user wrote it, near enough: strings quoted, booleans in TOML spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "a table"
    return str(value)
