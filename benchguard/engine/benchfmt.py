"""Parse the Go benchmark data format (`go test -bench` output), as golang.org/x/perf/benchfmt does.

https://go.dev/design/14313-benchmark-format: configuration lines (`key: value`), result lines
(`BenchmarkName-N  iterations  value unit  value unit …`), `Unit` metadata lines; anything else
is ignored. Units are tidied as benchunit.Tidy does: ns/op -> sec/op, MB/s -> B/s.
"""

from __future__ import annotations

import gc
import marshal
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from benchguard.engine import units
from benchguard.engine.names import tags_line


def with_procs(name: str, procs: int) -> str:
    """A benchmark name as `go test` prints it: "BenchmarkSum-8", or "BenchmarkSum" at 1."""
    return name if procs == 1 else f"{name}-{procs}"


@dataclass(frozen=True, order=True)
class BenchKey:
    """One benchmark: its package, full name without the -N suffix, GOMAXPROCS (1 if absent),
    and the build tags it was built with: one package built with other tags is another series."""

    package: str
    name: str
    procs: int = 1
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """"BenchmarkSum-8", as `go test` prints it."""
        return with_procs(self.name, self.procs)

    @property
    def short_label(self) -> str:
        """"Sum-8", as benchstat prints a row."""
        return with_procs(self.name.removeprefix("Benchmark") or self.name, self.procs)

    def describe(self) -> str:
        """"example.com/demo/hashing.BenchmarkSum-8" ("… [tags: fast]" when built with tags):
        unique across packages and builds."""
        described = f"{self.package}.{self.label}" if self.package else self.label
        return f"{described} [{tags_line(self.tags)}]" if self.tags else described


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
    # unit -> True for `Unit <unit> assume=exact`, False for `assume=nothing` (tidy unit names):
    # an exact unit's values are compared as they are, without a test (benchmath.AssumeExact)
    assume_exact: dict[str, bool] = field(default_factory=dict)
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


def _tidy_uncached(unit: str) -> tuple[str, float]:
    # benchunit.tidyUnitUncached: rescale "ns" and "MB" tokens, but only in the numerator.
    if "ns" not in unit and "MB" not in unit:
        return unit, 1.0
    factor = 1.0
    pieces: list[str] = []
    position = 0
    for token, start, in_denominator in units.tokens(unit):
        if in_denominator or token not in ("ns", "MB"):
            continue
        pieces.append(unit[position:start])
        pieces.append("sec" if token == "ns" else "B")
        factor = factor / 1e9 if token == "ns" else factor * 1e6
        position = start + len(token)
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
        if any(map(text.__contains__, _OTHER_LINE_BREAKS)):
            self.feed_lines(text.splitlines(), 1)
            self.flush()
            return
        # The runs of consecutive lines of one benchmark (one `-count N` group each), split in
        # one go; the few lines between them go line by line.
        position, number = 0, 1
        for match in _RESULT_RUN.finditer(text):
            start = match.start()
            if start > position:
                gap = text[position:start]
                self.feed_lines(gap.splitlines(), number)
                number += gap.count("\n")
            self.flush()
            run = match.group()
            lines = run.count("\n") + 1
            self.add_run(number, match.group(1), run, lines)
            number += lines
            position = match.end() + 1
        self.feed_lines(text[position:].splitlines(), number)
        self.flush()

    def add_run(self, number: int, raw_name: str, run: str, lines: int) -> None:
        tokens = run.split()
        stride, extra = divmod(len(tokens), lines)
        # every line has `stride` fields when the name is exactly at each multiple of it
        if (not extra and stride >= 4 and tokens.count(raw_name) == lines
                and tokens[::stride].count(raw_name) == lines):
            bench = self.bench_key(raw_name)
            if self.add_columns(bench, [tokens[i::stride] for i in range(stride)], lines):
                return
        self.batch.extend((number + index, line.split())
                          for index, line in enumerate(run.split("\n")))
        self.flush()

    def feed_lines(self, lines: list[str], first: int) -> None:
        config_line = _CONFIG_LINE.match
        batch = self.batch
        name = batch[0][1][0] if batch else ""
        for number, line in enumerate(lines, first):
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

    def bench_key(self, raw_name: str) -> BenchKey:
        bench = self.bench_keys.get((self.package, raw_name))
        if bench is None:
            name, procs = _split_procs(raw_name)
            bench = self.bench_keys[(self.package, raw_name)] = BenchKey(self.package, name, procs)
        return bench

    def flush(self) -> None:
        if not self.batch:
            return
        bench = self.bench_key(self.batch[0][1][0])
        try:
            columns = list(zip(*[fields for _, fields in self.batch], strict=True))
        except ValueError:
            columns = []  # lines of different lengths
        if not self.add_columns(bench, columns, len(self.batch)):
            for number, fields in self.batch:
                self.add_line(bench, number, fields)
        self.batch.clear()

    def finish(self) -> BenchmarkSet:
        self.numbered.sort(key=lambda pair: pair[0])
        self.result.warnings.extend(message for _, message in self.numbered)
        return self.result

    def add_columns(self, bench: BenchKey, columns: Sequence[Sequence[str]], count: int) -> bool:
        """The fast path: well-formed lines with the same units, converted column by column."""
        if len(columns) < 4 or len(columns) % 2 or not all(map(str.isdecimal, columns[1])):
            return False
        if any(units.count(units[0]) != count for units in columns[3::2]):
            return False
        tidied = [tidy_unit(units[0]) for units in columns[3::2]]
        if len({tidy for tidy, _ in tidied}) != len(tidied):
            return False  # a unit twice on a line: its values interleave, line by line
        try:
            # B/op and allocs/op rarely vary between runs: convert a constant column once
            converted = [[float(texts[0])] * count if texts.count(texts[0]) == count
                         else list(map(float, texts)) for texts in columns[2::2]]
        except ValueError:
            return False  # add_line names the bad line
        samples = self.result.samples
        for (tidy, factor), values in zip(tidied, converted, strict=True):
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
            known = _UNIT_METADATA.get(key)
            if known is None:
                continue  # benchfmt keeps any key; only these two change a comparison
            if value not in known:
                self.warn(number, f"unit {fields[1]}: {key} must be {' or '.join(known)}, "
                                  f"not {value!r}")
                continue
            setting = value == known[0]
            chosen = (self.result.higher_is_better if key == "better"
                      else self.result.assume_exact)
            previous = chosen.setdefault(unit, setting)
            if previous != setting:
                self.warn(number, f"unit {fields[1]}: {key} already set to "
                                  f"{known[0] if previous else known[1]}")


# The unit metadata keys benchguard reads, with their two values (the first one means True).
_UNIT_METADATA = {"better": ("higher", "lower"), "assume": ("exact", "nothing")}


# Consecutive result lines of one benchmark: a name, then a space or tab, on every line.
_RESULT_RUN = re.compile(r"^(Benchmark\S*)[ \t][^\n]*(?:\n\1[ \t][^\n]*)*", re.MULTILINE)
# str.splitlines breaks lines at these too; such rare texts go line by line.
_OTHER_LINE_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
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


def in_child(work: Callable[[], Any]) -> Callable[[], Any | None]:
    """Start `work` in a forked process, on the other core; the returned function waits for its
    result (None when it failed or fork is unavailable: the caller then does the work itself).
    The result must be marshal-able (plain tuples, lists, dicts, str, float, int)."""
    if not hasattr(os, "fork"):
        return lambda: None
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(reader)
        os.close(writer)
        return lambda: None
    if pid == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
        status = 1
        gc.disable()  # a short life, and nothing it builds forms cycles
        try:
            os.close(reader)
            data = marshal.dumps(work())
            with os.fdopen(writer, "wb") as stream:
                stream.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)

    def collect() -> Any | None:
        with os.fdopen(reader, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
        return marshal.loads(data) if status == 0 and data else None

    return collect


def parse_large(text: str, *, source: str = "<input>"
                ) -> Callable[[BenchmarkSet | None], BenchmarkSet]:
    """parse(), started in a second process when the text is large; call the result for the set.
    Meanwhile the caller can parse another file, and pass it in: the series both have then share
    their SeriesKey objects, which verdict.compare pairs up by identity."""
    if len(text) < _FORK_CHARS:
        parsed = parse(text, source=source)
        return lambda _like: parsed

    def work() -> tuple[Any, ...]:
        parsed = parse(text, source=source)
        return ([((key.bench.package, key.bench.name, key.bench.procs, key.unit), values)
                 for key, values in parsed.samples.items()],
                parsed.higher_is_better, parsed.assume_exact, parsed.configuration,
                parsed.warnings)

    collect = in_child(work)

    def result(like: BenchmarkSet | None) -> BenchmarkSet:
        with gc_paused():  # unmarshalling 30,000 lists would run the collector again and again
            plain = collect()
            if plain is None:
                return parse(text, source=source)
            series, higher, exact, configuration, warnings = plain
            parsed = BenchmarkSet(higher_is_better=higher, assume_exact=exact,
                                  configuration=configuration, warnings=warnings)
            known = {} if like is None else {
                (key.bench.package, key.bench.name, key.bench.procs, key.unit): key
                for key in like.samples}
            benches: dict[tuple[str, str, int], BenchKey] = {}
            samples = parsed.samples
            for plain_key, values in series:
                key = known.get(plain_key)
                if key is None:
                    package, name, procs, unit = plain_key
                    bench = benches.get((package, name, procs))
                    if bench is None:
                        bench = benches[(package, name, procs)] = BenchKey(package, name, procs)
                    key = SeriesKey(bench, unit)
                samples[key] = values
        return parsed

    return result


# Below this many characters (about 15,000 result lines) a second process costs more than it
# saves.
_FORK_CHARS = 1_000_000


def parse(text: str, *, source: str = "<input>") -> BenchmarkSet:
    """Read `go test -bench` output; malformed result lines become warnings naming their line."""
    parser = _Parser(source)
    with gc_paused():
        parser.feed(text)
    return parser.finish()


def with_tags(benchmarks: BenchmarkSet, tags: Sequence[str]) -> BenchmarkSet:
    """``benchmarks`` as measured in a build with ``tags`` (`go test -tags`): their keys carry
    the tags, as the output of `go test` does not say them."""
    wanted = tuple(tags)
    if not wanted:
        return benchmarks
    benches: dict[BenchKey, BenchKey] = {}
    samples = {}
    for key, values in benchmarks.samples.items():
        bench = benches.get(key.bench)
        if bench is None:
            bench = benches[key.bench] = BenchKey(key.bench.package, key.bench.name,
                                                  key.bench.procs, wanted)
        samples[SeriesKey(bench, key.unit)] = values
    return BenchmarkSet(samples=samples, higher_is_better=benchmarks.higher_is_better,
                        assume_exact=benchmarks.assume_exact,
                        configuration=benchmarks.configuration, warnings=benchmarks.warnings)


def merge(sets: Iterable[BenchmarkSet], *, first_wins: bool = False) -> BenchmarkSet:
    """One set holding the samples of all, in order; later configuration values win.

    ``first_wins``: a series several sets hold keeps only the first set's values (two
    overlapping selections ran the same benchmark: its runs are not one sample)."""
    merged = BenchmarkSet()
    for one in sets:
        for key, values in one.samples.items():
            existing = merged.samples.get(key)
            if existing is None:
                merged.samples[key] = list(values)
            elif not first_wins:
                existing.extend(values)
        for unit, higher in one.higher_is_better.items():
            merged.higher_is_better.setdefault(unit, higher)
        for unit, exact in one.assume_exact.items():
            merged.assume_exact.setdefault(unit, exact)
        merged.configuration.update(one.configuration)
        merged.warnings.extend(one.warnings)
    return merged
