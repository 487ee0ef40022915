"""The simulation instrument's numbers (docs/simulation.md): a benchmark's cost per operation
counted from two simulated runs at different iteration counts, what simulation cannot see, the
identity that makes two simulated results comparable, and the Go benchmark format they are
written in. Pure: the runs themselves are tools.simulation's and tools.valgrind's."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchguard.engine.callgrind import Counts, Part

INSTRUMENTS = ("time", "simulation", "auto")
TIME, SIMULATION, AUTO = INSTRUMENTS

INSTRUCTIONS = "instructions/op"
EST_CYCLES = "est-cycles/op"
UNITS = (INSTRUCTIONS, EST_CYCLES, "l1-misses/op", "ll-misses/op", "branch-misses/op")
"""The simulated units, all exact (`Unit … assume=exact`): one run per side decides."""

TIME_STAND_IN = EST_CYCLES
"""What decides a simulated benchmark where `metrics` asks for sec/op."""

METHOD = "callgrind-timer-overlay/2"
"""The version of the counting method (overlay, differencing, weights' formula): part of the
identity. /2: fixed random state per timed run, memory profiling off, the heap returned to the
OS before each timed run (docs/simulation.md, "Allocation")."""

TOLERANCE = 0.005
"""A change of a simulated metric within this share never blocks, whatever the threshold:
the same commit measured again moves est-cycles/op by up to ~0.1% (benchmarks/README.md,
"Simulation"); five times that leaves room without hiding a 1% change."""


@dataclass(frozen=True)
class CacheConfig:
    """The simulated caches (size, associativity, line size in bytes), always given: left
    alone, valgrind copies the host's, and misses would depend on the machine."""

    i1: tuple[int, int, int] = (32768, 8, 64)
    d1: tuple[int, int, int] = (32768, 8, 64)
    ll: tuple[int, int, int] = (8388608, 16, 64)

    def describe(self) -> str:
        return " ".join(f"{name}={','.join(map(str, value))}"
                        for name, value in (("I1", self.i1), ("D1", self.d1), ("LL", self.ll)))


@dataclass(frozen=True)
class Weights:
    """est-cycles = instructions + l1 × L1 misses + ll × LL misses + branch × mispredicted
    branches (an LL miss is an L1 miss too, so it costs l1 + ll). Fitted to native time on this
    project's calibration benchmarks (docs/simulation.md, "Weights")."""

    l1: float = 10.0
    ll: float = 50.0
    branch: float = 0.0

    def describe(self) -> str:
        return f"Ir+{self.l1:g}*L1m+{self.ll:g}*LLm+{self.branch:g}*Bm"

    def est_cycles(self, counts: Counts) -> float:
        return (counts["Ir"] + self.l1 * counts.l1_misses + self.ll * counts.ll_misses
                + self.branch * counts.branch_misses)


WEIGHTS = Weights()
CACHE = CacheConfig()


@dataclass(frozen=True)
class Identity:
    """What must match for two simulated results to compare: the toolchain, valgrind, the CPU
    valgrind shows the program (its CPUID picks Go's code paths), the simulated caches, the
    weights and the method. Never the host's CPU, hostname, paths or environment: a baseline
    simulated on CI settles a laptop's push."""

    go_version: str
    goos: str
    goarch: str
    goamd64: str
    valgrind: str
    cpu: str
    cache: str = CACHE.describe()
    weights: str = WEIGHTS.describe()
    method: str = METHOD

    def config_lines(self) -> list[str]:
        """Go benchmark format configuration lines naming it."""
        return [f"{_KEY_PREFIX}{key.replace('_', '-')}: {value}"
                for key, value in dataclasses.asdict(self).items()]

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        return (f"{self.go_version} {self.goos}/{self.goarch} {self.goamd64}, {self.valgrind}, "
                f"simulated CPU {self.cpu!r}")


_KEY_PREFIX = "sim-"
_FIELDS = tuple(item.name for item in dataclasses.fields(Identity))


def identity_from(values: Mapping[str, Any]) -> Identity | None:
    """An Identity from its JSON (a record's) or its configuration lines (a BenchmarkSet's);
    None when a field is missing or not text."""
    found: dict[str, str] = {}
    for name in _FIELDS:
        value = values.get(name, values.get(_KEY_PREFIX + name.replace("_", "-")))
        if not isinstance(value, str):
            return None
        found[name] = value
    return Identity(**found)


@dataclass(frozen=True)
class Probe:
    """A short native run of one benchmark: one P, as simulated, the collector on."""

    name: str
    ns_per_op: float
    bytes_per_op: int | None = None
    allocs_per_op: int | None = None
    marks: frozenset[str] = frozenset()  # "parallel": it calls RunParallel


@dataclass(frozen=True)
class Iterations:
    """The two iteration counts a benchmark is simulated at; its cost per operation is the
    difference of the two runs over the difference of the counts, so set-up, warm-up and lazy
    initialisation cancel."""

    low: int
    high: int


# Valgrind with both simulators runs Go code about this many times slower than a CPU
# (benchmarks/README.md, "Simulation: cost").
SLOWDOWN = 60.0
HIGH_SECONDS = 0.004  # the high run's native work (× SLOWDOWN simulated)
MAX_NS_PER_OP = 10e6  # slower benchmarks are timed: simulating 7 operations costs more
MEMORY_CAP = 1 << 30  # GC is off while simulating: the high run allocates at most this


PARALLEL = "RunParallel (simulation runs it on one goroutine)"


def iterations(probe: Probe) -> Iterations | str:
    """The counts for a benchmark: the high run does about HIGH_SECONDS of native work, the low
    run a quarter of it, at least 2 (both processes then measure the second `runN` of a `b.N`
    benchmark), rounded down to powers of two so a noisy probe seldom changes them. A reason
    instead when it is to be timed: it calls RunParallel, or it is too slow."""
    if "parallel" in probe.marks:
        return PARALLEL
    ns = max(probe.ns_per_op, 0.5)
    if ns > MAX_NS_PER_OP:
        return (f"{ns / 1e6:.3g} ms/op natively: simulating it would take "
                f"~{ns * SLOWDOWN * 7 / 1e9:.2g} s")
    high = max(3, int(HIGH_SECONDS * 1e9 / ns))
    if probe.bytes_per_op:
        high = min(high, max(3, MEMORY_CAP // probe.bytes_per_op))
    high = 1 << (high.bit_length() - 1)
    low = max(2, high // 4)
    return Iterations(low, max(high, low + 1))


def seconds(counts: Iterations, ns_per_op: float) -> float:
    """Predicted CPU seconds of simulating one benchmark at ``counts`` (both runs, and the
    first `runN` of each)."""
    return (counts.low + counts.high + 2) * max(ns_per_op, 0.5) * 1e-9 * SLOWDOWN


@dataclass(frozen=True)
class Blindness:
    """What simulation cannot see (docs/simulation.md): it counts the user-space instructions
    of the benchmark's own thread, so time in the kernel, waiting (sleeps, I/O, other
    goroutines) and other threads' work are not in the count. Such benchmarks are timed."""

    nominal_ghz: float = 3.0  # native ns/op × this is compared with est-cycles/op
    max_time_ratio: float = 10.0  # native cycles above this × est-cycles: time goes elsewhere
    syscall_cycles: float = 1000.0  # what one system call costs natively, roughly
    switch_cycles: float = 2000.0  # what one goroutine start or park costs, roughly
    max_unseen_share: float = 0.25  # unseen (system calls, switches) / est-cycles


@dataclass(frozen=True)
class PerOp:
    """One benchmark's simulated cost per operation."""

    name: str
    counts: Counts  # every event per operation
    est_cycles: float
    bytes_per_op: int | None  # the high run's own line (Go's, exact)
    allocs_per_op: int | None
    iterations: Iterations
    cannot_see: tuple[str, ...]  # why it is to be timed instead (empty: simulation sees it)

    def line(self) -> str:
        """Its Go benchmark format line; the iteration count is the high run's."""
        cells = [f"{self.name}\t{self.iterations.high}",
                 f"{self.counts['Ir']:.1f} {INSTRUCTIONS}", f"{self.est_cycles:.1f} {EST_CYCLES}",
                 f"{self.counts.l1_misses:.3f} l1-misses/op",
                 f"{self.counts.ll_misses:.3f} ll-misses/op",
                 f"{self.counts.branch_misses:.3f} branch-misses/op"]
        if self.bytes_per_op is not None:
            cells.append(f"{self.bytes_per_op} B/op")
        if self.allocs_per_op is not None:
            cells.append(f"{self.allocs_per_op} allocs/op")
        return "\t".join(cells)


class DifferenceError(ValueError):
    """The two runs of a benchmark do not difference (the high run did not run more)."""


def per_op(low: Part, high: Part, memory: tuple[int, int] | None, native_ns: float | None, *,
           weights: Weights = WEIGHTS, rule: Blindness = Blindness()) -> PerOp:
    """A benchmark's cost per operation from its low and high runs' parts; ``memory`` is the
    high run's (B/op, allocs/op), ``native_ns`` the probe's ns/op."""
    span = high.n - low.n
    if span <= 0:
        raise DifferenceError(f"{high.name}: the high run has {high.n} iterations, the low run "
                              f"{low.n}")
    # a count per operation below 0 is the runs' residue (a few instructions a run): none
    difference = high.counts.minus(low.counts).scaled(1 / span)
    counts = Counts(tuple(max(0.0, value) for value in difference.values))
    est = weights.est_cycles(counts)
    calls = {function: max(0.0, (high.calls.get(function, 0) - low.calls.get(function, 0))
                           / span) for function in high.calls}
    syscalls = max(0.0, (high.syscalls - low.syscalls) / span)
    return PerOp(high.name, counts, est, None if memory is None else memory[0],
                 None if memory is None else memory[1], Iterations(low.n, high.n),
                 cannot_see(est, native_ns, syscalls, calls, low.marks | high.marks, rule))


def cannot_see(est_cycles: float, native_ns: float | None, syscalls: float,
               calls: Mapping[str, float], marks: frozenset[str],
               rule: Blindness = Blindness()) -> tuple[str, ...]:
    """Why simulation cannot be trusted with a benchmark (empty: it can), from its simulated
    cost and calls per operation and its native time."""
    reasons = []
    est = max(est_cycles, 1.0)
    if "parallel" in marks:
        reasons.append(PARALLEL)
    if calls.get("runtime.cgocall", 0) > 0:
        reasons.append(f"cgo ({calls['runtime.cgocall']:.3g} calls/op)")
    if calls.get("time.Sleep", 0) > 0:
        reasons.append(f"sleeps ({calls['time.Sleep']:.3g}/op)")
    switches = calls.get("runtime.newproc", 0) + calls.get("runtime.gopark", 0)
    if switches * rule.switch_cycles > rule.max_unseen_share * est:
        reasons.append(f"goroutines ({switches:.3g} started or parked/op)")
    # Under valgrind the clock is read by a system call (no vDSO): not kernel work natively.
    clock = 2 * calls.get("time.now", 0) + calls.get("runtime.nanotime1.abi0", 0)
    kernel = max(0.0, syscalls - clock)
    if kernel * rule.syscall_cycles > rule.max_unseen_share * est:
        reasons.append(f"system calls ({kernel:.3g}/op)")
    if native_ns is not None and native_ns * rule.nominal_ghz > rule.max_time_ratio * est:
        reasons.append(f"its native time is {native_ns * rule.nominal_ghz / est:.0f}× its "
                       f"simulated cycles at {rule.nominal_ghz:g} GHz (it waits)")
    return tuple(reasons)


UNIT_LINES = tuple(f"Unit {unit} assume=exact" for unit in UNITS)


def benchfmt(identity: Identity, package: str, results: Sequence[PerOp]) -> str:
    """Go benchmark format of the results simulation can see: the identity as configuration
    lines, the units declared exact, one line per benchmark."""
    lines = [f"goos: {identity.goos}", f"goarch: {identity.goarch}", f"pkg: {package}",
             f"instrument: {SIMULATION}", *identity.config_lines(), *UNIT_LINES]
    lines += [result.line() for result in results if not result.cannot_see]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Following:
    """How one simulated benchmark's est-cycles/op follow its time on a machine (calibrate)."""

    package: str
    name: str
    est_cycles: float
    ns_per_op: float  # its median time there
    cycles_per_ns: float  # est-cycles/op over ns/op: the clock that would make them agree
    off_by: float  # cycles_per_ns against the median of every benchmark's: 0 follows exactly


def following(pairs: Sequence[tuple[str, str, float, float]]) -> list[Following]:
    """Each (package, name, est-cycles/op, ns/op) against the others: a benchmark whose ratio
    is far from theirs has costs the count weighs otherwise than that CPU does."""
    if not pairs:
        return []
    ratios = sorted(est / ns for _, _, est, ns in pairs)
    middle = len(ratios) // 2
    centre = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return [Following(package, name, est, ns, est / ns, est / ns / centre - 1)
            for package, name, est, ns in pairs]


def spread(values: Sequence[float]) -> float:
    """(largest - smallest) / median of repeated measurements of one benchmark."""
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2] if len(ordered) % 2 else \
        (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2
    return (ordered[-1] - ordered[0]) / middle if middle else math.inf
