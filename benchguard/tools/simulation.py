"""Simulated test binaries (docs/simulation.md): `go test -c` with an overlay of Go's `testing`
package and two runtime files, a native probe of such a binary, and one simulated process of it
under callgrind.

The overlay adds callgrind client requests where `testing` keeps its timer: StartTimer turns
collection on, StopTimer off, ResetTimer zeroes what was collected, and the end of each `runN`
dumps one labelled part (engine.callgrind) — so exactly the timed part of each run is counted,
with `b.Loop`, `b.ResetTimer` and sub-benchmarks needing nothing more, however goroutine stacks
move. A simulated `runN` is locked to its OS thread (callgrind's collection state is a thread's),
starts from a fixed random state with the heap handed back to the OS, and
BENCHGUARD_SIM_COUNTS gives each benchmark its own iteration count in one process. The code under
test is compiled exactly as by `go test`; on a real CPU the client requests are no-ops."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard.engine import callgrind
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.simulation import CACHE, Iterations, Probe
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.tools import go, valgrind
from benchguard.tools.overlay import (
    RUNTIME_PATCHES,
    RUNTIME_SOURCE,
    TESTING_ASM,
    TESTING_PATCHES,
    TESTING_SOURCE,
)

# One P (one runnable goroutine at a time, no idle threads spinning), no GC cycles at
# allocation-dependent points, no preemption signals, no memory profiling (its sampling draws
# random numbers shared with other goroutines), a fixed minimal environment: the user's PATH,
# HOME or locale are not part of a count.
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C",
               "GOMAXPROCS": "1", "GOGC": "off",
               "GODEBUG": "asyncpreemptoff=1,memprofilerate=0",
               "BENCHGUARD_SIM_SEED": "1", "BENCHGUARD_SIM_NOPREEMPT": "1"}
# the probe's: one P as simulated, but the collector on (its ns/op is a native cost)
PROBE_ENVIRONMENT = {**ENVIRONMENT, "GOGC": "100"}
PROBE_BENCHTIME = "20ms"


class Unsupported(Exception):
    """Simulation cannot run here; the message says why, for one line."""


def supported(tree: Path) -> str | None:
    """Why benchmarks built in ``tree`` cannot be simulated here (None: they can)."""
    if valgrind.version() is None:
        return f"valgrind is not installed: {valgrind.HOW_TO_GET}"
    found = go.toolchain(tree)
    if (found.goos, found.goarch) != ("linux", "amd64"):
        return (f"simulation runs on linux/amd64, this toolchain builds for "
                f"{found.goos}/{found.goarch}")
    return None


def write_overlay(directory: Path, goroot: str) -> Path:
    """The overlay files for the toolchain at ``goroot`` in ``directory``; returns the
    overlay's JSON for `go build -overlay`. Every patch's anchor must occur once: a toolchain
    whose `testing` or runtime moved on fails loudly rather than counting wrongly."""
    directory.mkdir(parents=True, exist_ok=True)
    replace: dict[str, str] = {}
    for package, patches, added in (
            ("testing", TESTING_PATCHES, {"benchguard_sim.go": TESTING_SOURCE,
                                          "benchguard_sim_amd64.s": TESTING_ASM}),
            ("runtime", RUNTIME_PATCHES, {"benchguard_sim.go": RUNTIME_SOURCE})):
        source_dir = Path(goroot, "src", package)
        files = dict(added)
        for file, anchor, text in patches:
            source = files.get(file) or (source_dir / file).read_text(encoding="utf-8")
            if source.count(anchor) != 1:
                raise BenchguardError(f"cannot simulate with the Go toolchain at {goroot}: its "
                                      f"{package}/{file} changed (benchguard looks for "
                                      f"{anchor.strip()!r})", exit_code=EXIT_BENCH_FAILED)
            files[file] = source.replace(anchor, text)
        for file, text in files.items():
            target = directory / f"{package}-{file}"
            target.write_text(text, encoding="utf-8")
            replace[str(source_dir / file)] = str(target.resolve())
    overlay = directory / "overlay.json"
    overlay.write_text(json.dumps({"Replace": replace}, indent=1), encoding="utf-8")
    return overlay


def build(tree: Path, module: str, package: str, tags: Sequence[str], output: Path, *,
          overlay: Path, timeout: float | None) -> go.GoResult:
    """`go test -c` of ``package`` (as go sees it from ``module``'s root) with the overlay.
    -trimpath keeps the checkout's path out of the binary, so two clones build one binary."""
    args = ["test", "-c", "-vet=off", "-trimpath", "-overlay", str(overlay), "-o", str(output)]
    if tags:
        args.append("-tags=" + ",".join(tags))
    return go.run([*args, package], cwd=tree / module, timeout=timeout)


def instrumented(binary: Path) -> bool:
    """Whether ``binary`` was built with the overlay (its label is in the binary)."""
    return callgrind.LABEL.encode() in binary.read_bytes()


_RESULT = re.compile(r"^(Benchmark\S*)\s+(\d+)\s+(.*)$", re.MULTILINE)


def result_lines(output: str) -> dict[str, dict[str, float]]:
    """The metrics of each benchmark line of a test binary's output, by full name (GOMAXPROCS
    is 1: no -N suffix)."""
    found: dict[str, dict[str, float]] = {}
    for match in _RESULT.finditer(output):
        fields = match.group(3).split()
        metrics: dict[str, float] = {}
        for value, unit in zip(fields[::2], fields[1::2], strict=False):
            try:
                metrics[unit] = float(value)
            except ValueError:
                break
        found[match.group(1)] = metrics
    return found


def probe(binary: Path, cwd: Path, pattern: str, *, workdir: Path, timeout: float | None
          ) -> tuple[go.GoResult, dict[str, Probe]]:
    """A short native run of every benchmark ``pattern`` selects, in the simulation's
    environment: their full names, ns/op (to choose iteration counts and see what simulation
    misses), B/op, allocs/op, and which call RunParallel (the overlay writes them down)."""
    marks = workdir / "probe.marks"
    marks.unlink(missing_ok=True)
    args = ["-test.run=^$", f"-test.bench={pattern}", f"-test.benchtime={PROBE_BENCHTIME}",
            "-test.benchmem", "-test.count=1"]
    ran = go.run_program(str(binary), args, cwd=cwd, timeout=timeout,
                         env={**PROBE_ENVIRONMENT, "BENCHGUARD_SIM_MARKS": str(marks)})
    marked: dict[str, set[str]] = {}
    if marks.exists():
        for line in marks.read_text(encoding="utf-8").splitlines():
            mark, _, name = line.partition("\t")
            marked.setdefault(name, set()).add(mark)
    found = {name: Probe(name, metrics.get("ns/op", 0.0), _whole(metrics.get("B/op")),
                         _whole(metrics.get("allocs/op")), frozenset(marked.get(name, ())))
             for name, metrics in result_lines(ran.output).items() if "ns/op" in metrics}
    return ran, found


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Simulated:
    """One simulated process: every benchmark it was given at one of its counts."""

    parts: dict[str, callgrind.Part]
    memory: dict[str, tuple[int, int]]  # name -> (B/op, allocs/op) of its printed line
    cpu: str  # the CPU valgrind showed the program (its "cpu:" line)
    seconds: float  # CPU seconds it took


def simulate(binary: Path, cwd: Path, counts: Mapping[str, int], *, workdir: Path, tag: str,
             timeout: float | None) -> Simulated:
    """Run ``binary`` under callgrind with each benchmark of ``counts`` at its count (the
    others its pattern reaches run an empty function once)."""
    counts_file = workdir / f"{tag}.counts"
    counts_file.write_text("".join(f"{n}\t{name}\n" for name, n in counts.items()),
                           encoding="utf-8")
    tops = list(dict.fromkeys(name.split("/", 1)[0] for name in counts))
    args = ["-test.run=^$", f"-test.bench={pattern_for(tops)}", "-test.benchmem",
            "-test.timeout=0", "-test.count=1"]
    ran = valgrind.callgrind(binary, args, cwd=cwd, cache=CACHE, workdir=workdir, tag=tag,
                             env={**ENVIRONMENT, "BENCHGUARD_SIM_COUNTS": str(counts_file)},
                             timeout=timeout)
    if ran.killed:
        raise TimeoutError(f"callgrind of {binary.name} stopped at the deadline")
    if ran.returncode != 0 or not ran.profile:
        tail = "\n".join((ran.stdout + ran.stderr).splitlines()[-20:])
        raise BenchguardError(f"{binary.name}: the simulated run failed (exit {ran.returncode})",
                              exit_code=EXIT_BENCH_FAILED, detail=tail)
    memory = {name: (int(metrics["B/op"]), int(metrics["allocs/op"]))
              for name, metrics in result_lines(ran.stdout).items()
              if "B/op" in metrics and "allocs/op" in metrics}
    cpu = next((line[5:].strip() for line in ran.stdout.splitlines()
                if line.startswith("cpu: ")), "unknown")
    return Simulated(callgrind.parts(ran.profile), memory, cpu, ran.cpu)


def counts_of(plans: Mapping[str, Iterations], which: str) -> dict[str, int]:
    """Each benchmark's low or high count."""
    return {name: getattr(counts, which) for name, counts in plans.items()}
