"""Parse the Go benchmark data format (`go test -bench` output), as golang.org/x/perf/benchfmt does.

https://go.dev/design/14313-benchmark-format: configuration lines (`key: value`), result lines
(`BenchmarkName-N  iterations  value unit  value unit …`), `Unit` metadata lines; anything else
is ignored. Units are tidied as benchunit.Tidy does: ns/op -> sec/op, MB/s -> B/s.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class BenchKey:
    """One benchmark: its package, full name without the -N suffix, and GOMAXPROCS (1 if absent)."""

    package: str
    name: str
    procs: int = 1


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One metric of one benchmark; ``unit`` is tidy ("sec/op", "B/op", "allocs/op", "B/s", …)."""

    bench: BenchKey
    unit: str


@dataclass
class BenchmarkSet:
    """Samples of every (benchmark, unit), in order of first appearance."""

    samples: dict[SeriesKey, list[float]] = field(default_factory=dict)
    # unit -> True when higher is better, from `Unit` metadata lines (tidy unit names)
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    # the last value seen of each configuration key (goos, goarch, cpu, pkg, …)
    configuration: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def tidy_unit(unit: str) -> tuple[str, float]:
    """The base unit and the factor that converts a value into it ("ns/op" -> "sec/op", 1e-9)."""
    known = _TIDY_CACHE.get(unit)
    if known is None:
        known = _TIDY_CACHE[unit] = _tidy_uncached(unit)
    return known


_TIDY_CACHE: dict[str, tuple[str, float]] = {
    "ns/op": ("sec/op", 1e-9),
    "MB/s": ("B/s", 1e6),
    "B/op": ("B/op", 1.0),
    "allocs/op": ("allocs/op", 1.0),
}
_UNIT_TOKEN = re.compile(r"[^*/\-\s]+")


def _tidy_uncached(unit: str) -> tuple[str, float]:
    # benchunit.tidyUnitUncached: rescale "ns" and "MB" tokens, but only in the numerator.
    if "ns" not in unit and "MB" not in unit:
        return unit, 1.0
    factor = 1.0
    pieces: list[str] = []
    position = 0
    for match in _UNIT_TOKEN.finditer(unit):
        in_denominator = False
        for separator in unit[: match.start()]:
            if separator == "*":
                in_denominator = False
            elif separator == "/":
                in_denominator = True
        token = match.group()
        if in_denominator or token not in ("ns", "MB"):
            continue
        pieces.append(unit[position: match.start()])
        pieces.append("sec" if token == "ns" else "B")
        factor = factor / 1e9 if token == "ns" else factor * 1e6
        position = match.end()
    pieces.append(unit[position:])
    return "".join(pieces), factor


def default_higher_is_better(unit: str) -> bool:
    """Throughput units ("B/s", "ops/s") improve upwards; costs ("sec/op", "B/op") downwards."""
    return unit.endswith("/s")


def _split_procs(name: str) -> tuple[str, int]:
    # A trailing "-N" is GOMAXPROCS (benchfmt's Name.splitGomaxprocs).
    head, dash, digits = name.rpartition("-")
    if dash and digits.isdigit() and digits.isascii() and head:
        return head, int(digits)
    return name, 1


class _Parser:
    """Collects the consecutive lines of one benchmark (`-count N` prints them together) and
    converts them a column at a time, so each line costs little more than a split."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.result = BenchmarkSet()
        self.package = ""
        self.batch: list[tuple[int, list[str]]] = []
        self.bench_keys: dict[tuple[str, str], BenchKey] = {}
        self.numbered: list[tuple[int, str]] = []

    def warn(self, number: int, message: str) -> None:
        self.numbered.append((number, f"{self.source}:{number}: {message}"))

    def feed(self, text: str) -> None:
        config_line = _CONFIG_LINE.match
        batch = self.batch
        name = ""
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith("Benchmark"):
                fields = line.split()
                if len(fields) == 1:
                    continue  # `go test -v` prints the bare name when a benchmark starts
                if fields[0] != name:
                    self.flush()
                    name = fields[0]
                batch.append((number, fields))
            elif line.startswith("Unit"):
                self.unit_line(number, line)
            elif line[:1].islower() and (match := config_line(line)) is not None:
                key, value = match.group(1), match.group(2)
                if value and value[0] not in " \t":
                    continue  # "key:value" without a space is not a configuration line
                value = value.lstrip(" \t")
                if key == "pkg":
                    self.flush()
                    name = ""
                    self.package = value
                if value:
                    self.result.configuration[key] = value
                else:
                    self.result.configuration.pop(key, None)
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        raw_name = self.batch[0][1][0]
        bench = self.bench_keys.get((self.package, raw_name))
        if bench is None:
            name, procs = _split_procs(raw_name)
            bench = self.bench_keys[(self.package, raw_name)] = BenchKey(self.package, name, procs)
        if not self.add_columns(bench, self.batch):
            for number, fields in self.batch:
                self.add_line(bench, number, fields)
        self.batch.clear()

    def finish(self) -> BenchmarkSet:
        self.numbered.sort(key=lambda pair: pair[0])
        self.result.warnings.extend(message for _, message in self.numbered)
        return self.result

    def add_columns(self, bench: BenchKey, rows: list[tuple[int, list[str]]]) -> bool:
        """The fast path: well-formed lines with the same units, converted column by column."""
        try:
            columns = list(zip(*[fields for _, fields in rows], strict=True))
        except ValueError:
            return False  # lines of different lengths
        count = len(rows)
        if len(columns) < 4 or len(columns) % 2 or not all(map(str.isdecimal, columns[1])):
            return False
        if any(units.count(units[0]) != count for units in columns[3::2]):
            return False
        try:
            # B/op and allocs/op rarely vary between runs: convert a constant column once
            converted = [[float(texts[0])] * count if texts.count(texts[0]) == count
                         else list(map(float, texts)) for texts in columns[2::2]]
        except ValueError:
            return False  # add_line names the bad line
        samples = self.result.samples
        for units, values in zip(columns[3::2], converted, strict=True):
            tidy, factor = tidy_unit(units[0])
            if factor != 1.0:
                values = [value * factor for value in values]
            existing = samples.setdefault(SeriesKey(bench, tidy), values)
            if existing is not values:
                existing.extend(values)
        return True

    def add_line(self, bench: BenchKey, number: int, fields: list[str]) -> None:
        raw_name = fields[0]
        try:
            int(fields[1])
        except ValueError:
            self.warn(number, f"parsing iteration count of {raw_name}: "
                              f"invalid number {fields[1]!r}")
            return
        if len(fields) == 2:
            self.warn(number, f"missing measurements for {raw_name}")
            return
        if len(fields) % 2:
            self.warn(number, f"missing unit after {fields[-1]!r} for {raw_name}")
            return
        try:
            values = [float(text) for text in fields[2::2]]
        except ValueError:
            bad = next(text for text in fields[2::2] if not _is_float(text))
            self.warn(number, f"parsing measurement of {raw_name}: invalid number {bad!r}")
            return
        for unit, value in zip(fields[3::2], values, strict=True):
            tidy, factor = tidy_unit(unit)
            self.result.samples.setdefault(SeriesKey(bench, tidy), []).append(value * factor)

    def unit_line(self, number: int, line: str) -> None:
        fields = line.split()
        if fields[0] != "Unit":
            return
        if len(fields) < 2:
            self.warn(number, "missing unit")
            return
        unit, _ = tidy_unit(fields[1])
        for pair in fields[2:]:
            key, equals, value = pair.partition("=")
            if not equals or not key:
                self.warn(number, f"expected key=value, got {pair!r}")
                continue
            if key != "better":
                continue
            if value not in ("higher", "lower"):
                self.warn(number, f"unit {fields[1]}: better must be higher or lower, "
                                  f"not {value!r}")
                continue
            higher = value == "higher"
            previous = self.result.higher_is_better.setdefault(unit, higher)
            if previous != higher:
                self.warn(number, f"unit {fields[1]}: better already set to "
                                  f"{'higher' if previous else 'lower'}")


# A configuration key starts with a lower-case letter and has no spaces or upper-case letters.
_CONFIG_LINE = re.compile(r"([^\sA-Z:][^\sA-Z:]*):(.*)\Z", re.DOTALL)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Bulk-building many small containers (a 100k-line file) triggers the cyclic garbage
    collector again and again, for nothing: none of them form cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(text: str, *, source: str = "<input>") -> BenchmarkSet:
    """Read `go test -bench` output; malformed result lines become warnings naming their line."""
    parser = _Parser(source)
    with gc_paused():
        parser.feed(text)
    return parser.finish()


def merge(sets: Iterable[BenchmarkSet]) -> BenchmarkSet:
    """One set holding the samples of all, in order; later configuration values win."""
    merged = BenchmarkSet()
    for one in sets:
        for key, values in one.samples.items():
            merged.samples.setdefault(key, []).extend(values)
        for unit, higher in one.higher_is_better.items():
            merged.higher_is_better.setdefault(unit, higher)
        merged.configuration.update(one.configuration)
        merged.warnings.extend(one.warnings)
    return merged
