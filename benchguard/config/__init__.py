"""benchguard.toml: the settings and the map from changed paths to benchmarks (docs/config.md).

The schema (Config, BenchEntry, Target), reading a file and checking it; the rules for single
values live in benchguard.config.values, line numbers in benchguard.config.lines.
"""

from __future__ import annotations

import difflib  # only for a misspelt key
import functools
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from benchguard.config import values
from benchguard.config.lines import TOP, KeyLines, Scope, syntax_error
from benchguard.engine.simulation import AUTO, INSTRUMENTS, TIME_STAND_IN
from benchguard.errors import EXIT_USAGE, BenchguardError

FILENAME = "benchguard.toml"

DEFAULT_METRICS = ("sec/op", "B/op", "allocs/op")
# A module's go.mod and go.sum (and a root go.work) select its packages without being listed
# here (benchguard.push.selection); `always` is for what else changes every benchmark.
DEFAULT_ALWAYS: tuple[str, ...] = ()
ON_ERROR_CHOICES = ("block", "warn")
ON_BUDGET_CHOICES = ("warn", "block")
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
    # per metric (tidy units), this entry's own: ("allocs/op", 0.0), …
    thresholds: tuple[tuple[str, float], ...] = ()
    min_effect: tuple[tuple[str, float], ...] = ()
    instrument: str | None = None  # this entry's own: "time", "simulation" or "auto"

    def own_threshold(self, unit: str) -> float | None:
        """The threshold this entry itself sets for ``unit``: its per-metric one, else its
        ``threshold``; None when it sets neither."""
        return dict(self.thresholds).get(unit, self.threshold)


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
class CiSettings:
    """The [ci] table: what a pull request's own commits may decide about its check in CI, read
    from the base's benchguard.toml (docs/ci.md, "What a pull request controls")."""

    trust_head_config: bool = False  # the head's benchguard.toml decides the check
    trust_head_trailers: bool = False  # Benchguard-Allow trailers of its commits count


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
    budget: str = "4m"  # the whole check of one push: every branch, builds and rounds
    on_budget: str = "warn"  # what selections left unchecked at the deadline do to the push
    # a blocked push of several commits: find the commit of each regression (docs/check.md)
    bisect: bool = True
    benches: tuple[BenchEntry, ...] = ()
    targets: tuple[Target, ...] = ()
    # per metric (tidy units): thresholds beside `threshold`, and the smallest absolute change
    # that may block (sec/op in seconds, B/op in bytes)
    thresholds: tuple[tuple[str, float], ...] = ()
    min_effect: tuple[tuple[str, float], ...] = ()
    ci: CiSettings = CiSettings()
    # how benchmarks are measured (docs/check.md, "Instruments"): "auto" simulates what it can
    # where valgrind is installed and times the rest
    instrument: str = AUTO

    def with_instrument(self, instrument: str | None) -> Config:
        """This configuration measuring every benchmark with ``instrument`` (`--instrument`);
        itself when None."""
        if instrument is None:
            return self
        return replace(self, instrument=instrument,
                       benches=tuple(replace(entry, instrument=None) for entry in self.benches))

    def instrument_for(self, entry: BenchEntry | None) -> str:
        """The instrument ``entry``'s benchmarks are measured with: its own, else the top
        level's."""
        return entry.instrument if entry is not None and entry.instrument else self.instrument

    @property
    def metrics_judged(self) -> tuple[str, ...]:
        """The metrics that can block: `metrics`, with est-cycles/op beside sec/op (what
        decides a simulated benchmark's time)."""
        tidy = [values.tidy_metric(metric) for metric in self.metrics]
        if "sec/op" in tidy and TIME_STAND_IN not in tidy:
            return (*self.metrics, TIME_STAND_IN)
        return self.metrics

    def threshold_for(self, entry: BenchEntry | None, unit: str) -> float:
        """The threshold ``unit`` of ``entry``'s benchmarks is judged by (entry None: one no
        entry selected): the entry's per-metric threshold, the entry's `threshold`, the
        top-level per-metric one, the top-level `threshold` — the first that is set."""
        own = entry.own_threshold(unit) if entry is not None else None
        return own if own is not None else dict(self.thresholds).get(unit, self.threshold)

    def min_effect_for(self, entry: BenchEntry | None, unit: str) -> float | None:
        """The smallest absolute change of ``unit`` that may block (in its tidy unit): the
        entry's, else the top level's; None when neither sets one."""
        own = dict(entry.min_effect).get(unit) if entry is not None else None
        return own if own is not None else dict(self.min_effect).get(unit)


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
        line, reason = syntax_error(error, text)
        raise BenchguardError(f"{filename}:{line}: invalid TOML: {reason}",
                              exit_code=EXIT_USAGE) from error
    return _Reader(text, filename).config(data)


def smallest_count(alpha: float) -> int:
    """The fewest runs per side for which a Mann–Whitney U test can reach p ≤ alpha."""
    count = 1
    while _smallest_p(count) > alpha:
        count += 1
    return count


def _smallest_p(count: int) -> float:
    # Two-sided exact Mann–Whitney: the most extreme of C(2n, n) orderings, counted both ways.
    return min(1.0, 2 / math.comb(2 * count, count))


def _display_name(file: Path, repo: Path) -> str:
    try:
        return str(file.resolve().relative_to(repo.resolve()))
    except ValueError:
        return str(file)


_BENCH_KEYS = ("paths", "package", "packages", "pattern", "tags", "threshold", "thresholds",
               "min_effect", "instrument")
_INSTRUMENT = functools.partial(values.check_choice, choices=INSTRUMENTS)
_TARGET_KEYS = ("bench", "package", "enforce", *TARGET_METRICS)

_Value = TypeVar("_Value")
_STRINGS = functools.partial(values.check_strings, non_empty=True)
_PATTERNS = functools.partial(values.check_patterns, non_empty=True)
# key -> its rule (value, key) -> the checked value, in the order they are checked
_TOP_RULES: dict[str, Callable[[Any, str], Any]] = {
    "count": functools.partial(values.check_integer, minimum=1),
    "benchtime": values.check_benchtime,
    "threshold": values.parse_threshold,
    "thresholds": values.parse_thresholds,
    "min_effect": values.parse_min_effect,
    "alpha": values.parse_alpha,
    "timeout": values.check_duration,
    "metrics": _STRINGS,
    "always": functools.partial(values.check_patterns, non_empty=False),
    "notes_ref": values.check_notes_ref,
    "auto": values.check_boolean,
    "auto_max_packages": functools.partial(values.check_integer, minimum=0),
    "on_error": functools.partial(values.check_choice, choices=ON_ERROR_CHOICES),
    "confirm": values.check_boolean,
    "correction": functools.partial(values.check_choice, choices=CORRECTION_CHOICES),
    "max_count": functools.partial(values.check_integer, minimum=1),
    "budget": values.check_duration,
    "on_budget": functools.partial(values.check_choice, choices=ON_BUDGET_CHOICES),
    "instrument": _INSTRUMENT,
    "bisect": values.check_boolean,
}
_TOP_KEYS = (*_TOP_RULES, "bench", "target", "ci")
_CI_KEYS = ("trust_head_config", "trust_head_trailers")


class _Reader:
    """Checks parsed TOML against the schema; an error names the file and the key's line."""

    def __init__(self, text: str, filename: str) -> None:
        self.lines = KeyLines(text)
        self.filename = filename

    def config(self, data: dict[str, Any]) -> Config:
        self._check_keys(data, _TOP_KEYS, None)
        settings = {key: self._value(rule, data[key], key, TOP)
                    for key, rule in _TOP_RULES.items() if key in data}
        if "bench" in data:
            settings["benches"] = self._benches(data["bench"])
        if "target" in data:
            settings["targets"] = self._targets(data["target"])
        if "ci" in data:
            settings["ci"] = self._ci(data["ci"])
        config = Config(path=None, **settings)
        if "max_count" in data and config.max_count < config.count:
            self._fail(self.lines.key("max_count", TOP),
                       f"max_count = {config.max_count} is below count = {config.count}; it is "
                       "the most runs per side when results are inconclusive")
        self._check_count_reaches_significance(config)
        return config

    # -- tables

    def _benches(self, raw: Any) -> tuple[BenchEntry, ...]:
        return tuple(self._bench(table, index)
                     for index, table in enumerate(self._array_of_tables(raw, "bench")))

    def _bench(self, table: dict[str, Any], index: int) -> BenchEntry:
        scope: Scope = ("bench", index)
        header = self.lines.header(scope)
        self._check_keys(table, _BENCH_KEYS, scope)
        if "paths" not in table:
            self._fail(header, "[[bench]] needs paths = [\"dir/**\", …]: the files whose changes "
                               "select this benchmark")
        paths = self._value(_PATTERNS, table["paths"], "paths", scope)
        if ("package" in table) == ("packages" in table):
            both = "both package and packages" if "package" in table else "no package"
            self._fail(header, f"[[bench]] needs exactly one of package = \"./dir\" or "
                               f"packages = [...]; got {both}")
        packages: tuple[str, ...]
        if "package" in table:
            packages = (self._value(values.check_package, table["package"], "package", scope),)
        else:
            names = self._value(_STRINGS, table["packages"], "packages", scope)
            packages = tuple(self._value(values.check_package, name, "packages", scope)
                             for name in names)
        pattern = "."
        if "pattern" in table:
            pattern = self._value(values.check_regex, table["pattern"], "pattern", scope)
        tags: tuple[str, ...] = ()
        if "tags" in table:
            tags = self._value(values.check_tags, table["tags"], "tags", scope)
        threshold = None
        if "threshold" in table:
            threshold = self._value(values.parse_threshold, table["threshold"], "threshold",
                                    scope)
        thresholds = self._value(values.parse_thresholds, table["thresholds"], "thresholds",
                                 scope) if "thresholds" in table else ()
        min_effect = self._value(values.parse_min_effect, table["min_effect"], "min_effect",
                                 scope) if "min_effect" in table else ()
        instrument = self._value(_INSTRUMENT, table["instrument"], "instrument", scope) \
            if "instrument" in table else None
        return BenchEntry(paths=paths, packages=tuple(dict.fromkeys(packages)), pattern=pattern,
                          tags=tags, threshold=threshold, line=header, thresholds=thresholds,
                          min_effect=min_effect, instrument=instrument)

    def _targets(self, raw: Any) -> tuple[Target, ...]:
        return tuple(self._target(table, index)
                     for index, table in enumerate(self._array_of_tables(raw, "target")))

    def _target(self, table: dict[str, Any], index: int) -> Target:
        scope: Scope = ("target", index)
        header = self.lines.header(scope)
        self._check_keys(table, _TARGET_KEYS, scope)
        if "bench" not in table:
            self._fail(header, '[[target]] needs bench = "BenchmarkName": a regular expression '
                               "over full benchmark names")
        bench = self._value(values.check_regex, table["bench"], "bench", scope)
        limits = [key for key in TARGET_METRICS if key in table]
        if len(limits) != 1:
            got = f"both {limits[0]} and {limits[1]}" if len(limits) > 1 else "none"
            self._fail(self.lines.key(limits[1], scope) if len(limits) > 1 else header,
                       f"[[target]] needs exactly one limit ({', '.join(TARGET_METRICS)}); "
                       f"got {got}")
        metric = limits[0]
        value = table[metric]
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value <= 0):
            self._fail(self.lines.key(metric, scope),
                       f"{metric} must be a positive number, got {values.show(value)}")
        package = None
        if "package" in table:
            package = self._value(values.check_package, table["package"], "package", scope)
        enforce = True
        if "enforce" in table:
            enforce = self._value(values.check_boolean, table["enforce"], "enforce", scope)
        return Target(bench=bench, metric=metric, limit=float(value), package=package,
                      enforce=enforce, line=header)

    def _ci(self, raw: Any) -> CiSettings:
        if not isinstance(raw, dict):
            self._fail(self.lines.key("ci", TOP), f"ci must be a table, written [ci]; got "
                                                  f"{_type_name(raw)}")
        scope: Scope = ("ci", 0)
        self._check_keys(raw, _CI_KEYS, scope)
        return CiSettings(**{key: self._value(values.check_boolean, raw[key], key, scope)
                             for key in _CI_KEYS if key in raw})

    def _array_of_tables(self, raw: Any, name: str) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            kind = "a table" if isinstance(raw, dict) else _type_name(raw)
            self._fail(self.lines.key(name, TOP),
                       f"{name} must be an array of tables, written [[{name}]]; got {kind}")
        return raw

    # -- checks

    def _value(self, rule: Callable[[Any, str], _Value], value: Any, key: str, scope: Scope
               ) -> _Value:
        try:
            return rule(value, key)
        except ValueError as error:
            self._fail(self.lines.key(key, scope), str(error))

    def _check_keys(self, table: dict[str, Any], known: tuple[str, ...], scope: Scope | None
                    ) -> None:
        for key in table:
            if key in known:
                continue

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            brackets = ("[", "]") if scope and scope[0] == "ci" else ("[[", "]]")
            inside = f" in {brackets[0]}{scope[0]}{brackets[1]}" if scope else ""
            self._fail(self.lines.key(key, scope or TOP),
                       f"unknown key {values.show(key)}{inside}{hint}")

    def _check_count_reaches_significance(self, config: Config) -> None:
        """`check` decides side-by-side rounds with a paired t, which needs two rounds to see
        their noise; a stored baseline's verdict, which stands alone with confirm = false, is
        benchstat's Mann–Whitney test, which needs enough runs a side to reach alpha at all."""
        line = self.lines.key("count", TOP) or self.lines.key("alpha", TOP)
        if config.count < 2:
            self._fail(line, f"count = {config.count} cannot be decided: check compares base "
                             "and head round by round and needs at least 2 rounds to see "
                             "their noise; use count = 6 (the default) or more")
        smallest = _smallest_p(config.count)
        if config.confirm or smallest <= config.alpha:
            return
        needed = smallest_count(config.alpha)
        self._fail(line, f"count = {config.count} can never show a significant difference "
                         f"against a stored baseline at alpha = {config.alpha:g} (the smallest "
                         f"possible p is {smallest:.3g}), and confirm = false leaves the verdict "
                         f"to it; use count = {needed} or more, or confirm = true")

    def _fail(self, line: int, message: str) -> NoReturn:
        where = f"{self.filename}:{line}" if line else self.filename
        raise BenchguardError(f"{where}: {message}", exit_code=EXIT_USAGE)


def _type_name(value: Any) -> str:
    names: dict[type, str] = {str: "a string", int: "an integer", float: "a number",
                              bool: "a boolean", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)
