"""Run the selected benchmarks with `go test`, one package at a time, in a tree or at a commit."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import config as config_module
from benchguard.engine import benchfmt
from benchguard.engine.benchfmt import BenchmarkSet
from benchguard.engine.durations import parse_duration
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push.budget import seconds_text
from benchguard.store.records import Timing
from benchguard.style import plural
from benchguard.tools import git, go, machine
from benchguard.tools.modules import Layout, within

if TYPE_CHECKING:
    from benchguard.store.records import Timing

TAIL_LINES = 20
# How often a long `go test` says how far it is.
PROGRESS_SECONDS = 15.0

_RESULT_LINE = re.compile(r"^(?:ok|FAIL|\?)\s+(\S+)\s", re.MULTILINE)


@dataclass(frozen=True)
class RunSpec:
    """One `go test` invocation: the benchmarks matching ``pattern`` in ``package``, built with
    ``tags``. Its results are this run's: they are never matched against a pattern again."""

    package: str  # relative to the repository root: "." or "./hashing"
    pattern: str = "."
    tags: tuple[str, ...] = ()
    module: str = "."  # the root of the module holding ``package``, where go runs

    @property
    def go_package(self) -> str:
        """``package`` as go sees it from ``module``'s root."""

        return within(self.package, self.module)


def spec_for(layout: Layout, package: str, pattern: str = ".", tags: Sequence[str] = ()
             ) -> RunSpec:
    """The run of ``pattern`` in ``package`` ("./tools/fmtx"), from the root of its module."""
    module = layout.module_of(package)
    return RunSpec(package, pattern, tuple(tags), module.directory if module else ".")


# Environment variables that change what `go test` builds, and so the numbers: a baseline
# measured under others is not comparable (notes.incomparable).
BUILD_ENVIRONMENT = ("GOAMD64", "GOARM64", "GOEXPERIMENT", "GOFLAGS")


@dataclass(frozen=True)
class RunSettings:
    count: int
    benchtime: str
    timeout: str
    # wall-clock slack past ``timeout`` before `go test` is killed (see go.KILL_GRACE_SECONDS)
    grace_seconds: float = go.KILL_GRACE_SECONDS

    @classmethod
    def from_config(cls, config: config_module.Config) -> RunSettings:
        return cls(count=config.count, benchtime=config.benchtime, timeout=config.timeout)

    @property
    def wall_clock(self) -> float | None:
        """Seconds of wall clock a `go test` (build included) gets before it is stopped; None
        when the timeout is 0 (no limit)."""
        seconds = parse_duration(self.timeout)
        return seconds + self.grace_seconds if seconds > 0 else None

    def record(self, specs: Sequence[RunSpec]) -> dict[str, Any]:
        """How a baseline was measured, as its note record keeps it (docs/notes-format.md)."""
        return {"count": self.count, "benchtime": self.benchtime, "timeout": self.timeout,
                "tags": sorted({tag for spec in specs for tag in spec.tags}),
                "specs": [{"package": spec.package, "pattern": spec.pattern,
                           "tags": list(spec.tags)} for spec in specs],
                **self.comparable()}

    def comparable(self) -> dict[str, Any]:
        """The settings that change the numbers (beside the machine and the build tags, which
        baselines keep per benchmark): a stored baseline serves only when they are equal."""

        return {"benchtime": self.benchtime,
                "environment": {name: os.environ[name] for name in BUILD_ENVIRONMENT
                                if os.environ.get(name)}}


@dataclass
class RunResult:
    output: str
    benchmarks: BenchmarkSet
    fingerprint: go.Fingerprint
    # spec.package ("./hashing") -> import path
    packages: dict[str, str] = field(default_factory=dict)
    by_spec: dict[RunSpec, BenchmarkSet] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # already told to the reporter
    # with keep_going=True: the specs that failed to build or run, and why (already told)
    failures: dict[RunSpec, BenchguardError] = field(default_factory=dict)
    load: tuple[float, float, float] | None = None  # the load average when the run started
    durations: list[Timing] = field(default_factory=list)  # per spec that ran, for the planner


def run_commit(repo: Path, commit: str, specs: Sequence[RunSpec], settings: RunSettings, *,
               label: str, reporter: Reporter, keep_going: bool = False,
               on_line: Callable[[str], None] | None = None,
               expected: Mapping[RunSpec, float] | None = None) -> RunResult:
    """Run ``specs`` at ``commit`` in a temporary detached worktree, never the user's tree."""
    go.executable()  # no go: say so before checking anything out
    with git.worktree(repo, commit) as tree:
        return run_in_tree(tree, specs, settings, label=label, reporter=reporter,
                           keep_going=keep_going, on_line=on_line, expected=expected)


def run_in_tree(tree: Path, specs: Sequence[RunSpec], settings: RunSettings, *, label: str,
                reporter: Reporter, keep_going: bool = False,
                on_line: Callable[[str], None] | None = None,
                expected: Mapping[RunSpec, float] | None = None) -> RunResult:
    """Run each spec with its own `go test` in ``tree`` (the repository root), from the root
    of the spec's module.

    A build failure, panic, timeout or failing benchmark raises BenchguardError (exit 3) naming
    the package, unless ``keep_going``: then it is warned about, recorded in ``failures``, and
    the other specs still run. ``on_line`` gets each line of go's output as it arrives;
    ``expected`` is what each spec should take (earlier runs), for the progress lines.
    """
    result = RunResult(output="", benchmarks=BenchmarkSet(), fingerprint=go.fingerprint(tree),
                       load=machine_load(label, reporter))
    outputs: list[str] = []
    for spec in dict.fromkeys(specs):
        what = "all benchmarks" if spec.pattern == "." else spec.pattern
        reporter.progress(f"[{label}] {spec.package}: running {what} (count {settings.count})…")
        built = _Watch(on_line, label=label, spec=spec, reporter=reporter,
                       expected=(expected or {}).get(spec))
        ran = go.run(_test_args(spec, settings), cwd=tree / spec.module,
                     timeout=settings.wall_clock, on_line=built)
        outputs.append(ran.output)
        try:
            _check(ran, spec, settings, label)
        except BenchguardError as error:
            if not keep_going:
                raise
            reporter.warn(error.message)
            result.failures[spec] = error
            continue
        _keep(result, spec, ran, settings, label, built.after, reporter)
    result.output = "".join(outputs)
    result.benchmarks = benchfmt.merge(result.by_spec.values(), first_wins=True)
    return result


def _keep(result: RunResult, spec: RunSpec, ran: go.GoResult, settings: RunSettings, label: str,
          build: float | None, reporter: Reporter) -> None:
    """What one `go test` of ``spec`` measured, added to ``result`` (``build``: seconds until
    the test binary's first line, None when it printed none)."""
    benchmarks = benchfmt.with_tags(
        benchfmt.parse(ran.output, source=f"{label} {spec.package}"), spec.tags)
    result.by_spec[spec] = benchmarks
    build = ran.seconds if build is None else build
    result.durations.append(Timing(spec.package, spec.pattern, spec.tags, build,
                                   max(0.0, ran.seconds - build) / settings.count))
    import_path = benchmarks.configuration.get("pkg") or _import_path(ran.output)
    if import_path:
        result.packages[spec.package] = import_path
    names = {series.bench for series in benchmarks.samples}
    if not names:
        warning = f"[{label}] {spec.package}: no benchmark matches -bench '{spec.pattern}'"
        reporter.warn(warning)
        result.warnings.append(warning)
        return
    reporter.progress(f"[{label}] {spec.package}: {plural(len(names), 'benchmark')} × "
                      f"{settings.count} runs in {ran.seconds:.1f}s")


class _Watch:
    """Passes go's output on line by line, noting when the first line came (the test binary
    prints it, so the build took that long), and every PROGRESS_SECONDS says how far a long run
    is: results so far, and the time left by ``expected`` seconds when an earlier run said."""

    def __init__(self, on_line: Callable[[str], None] | None, *, label: str, spec: RunSpec,
                 reporter: Reporter, expected: float | None = None) -> None:
        self.on_line = on_line
        self.label, self.spec, self.reporter, self.expected = label, spec, reporter, expected
        self.began = self.told = time.monotonic()
        self.after: float | None = None  # seconds to the first line
        self.results = 0

    def __call__(self, line: str) -> None:
        now = time.monotonic()
        if self.after is None:
            self.after = now - self.began
        if line.startswith("Benchmark") and "/op" in line:
            self.results += 1
        if now - self.told >= PROGRESS_SECONDS:
            self.told = now
            spent = now - self.began
            left = "" if self.expected is None else \
                f", ~{seconds_text(max(0.0, self.expected - spent))} left"
            self.reporter.progress(f"[{self.label}] {self.spec.package}: "
                                   f"{plural(self.results, 'result')} in "
                                   f"{seconds_text(spent)}{left}")
        if self.on_line is not None:
            self.on_line(line)


def machine_load(label: str, reporter: Reporter) -> tuple[float, float, float] | None:
    """The load average as a measurement starts; a warning when it is above half the cores,
    as other processes then compete with the benchmarks and their numbers drift."""
    load = machine.load_average()
    if load is None:
        return None
    cores = machine.cores()
    if load[0] > cores / 2:
        reporter.warn(f"[{label}] load average {load[0]:.2f} on {cores} cores: other processes "
                    "compete with the benchmarks, so results are noisier")
    return load


def raise_for_failure(result: go.GoResult, spec: RunSpec, settings: RunSettings,
                      label: str) -> None:
    """BenchguardError (exit 3) naming the package when a go test build or run failed."""
    _check(result, spec, settings, label)


def _test_args(spec: RunSpec, settings: RunSettings) -> list[str]:
    # The "-flag=value" form keeps a pattern that starts with "-" from being read as a flag.
    # -vet=off: vet is not ours to enforce, and in a fresh worktree its cached result is never
    # reused, so it would cost a few hundred milliseconds on every push.
    args = ["test", "-vet=off", "-run=^$", f"-bench={spec.pattern}", f"-count={settings.count}",
            f"-benchtime={settings.benchtime}", "-benchmem", f"-timeout={settings.timeout}"]
    if spec.tags:
        args.append("-tags=" + ",".join(spec.tags))
    return [*args, spec.go_package]


def _check(result: go.GoResult, spec: RunSpec, settings: RunSettings, label: str) -> None:
    if result.returncode == 0 and not result.killed:
        return
    text = result.output
    if result.killed:
        problem = (f"go test did not finish within timeout \"{settings.timeout}\" plus "
                   f"{settings.grace_seconds:g}s to build, and was stopped")
    elif "[build failed]" in text or "[setup failed]" in text or re.search(r"^# ", text, re.M):
        problem = "build failed"
    elif "panic: test timed out after" in text:
        problem = f"benchmarks timed out (timeout = \"{settings.timeout}\")"
    elif re.search(r"^(?:Benchmark\S*\s+)?panic: ", text, re.MULTILINE):  # after its name
        problem = "a benchmark panicked"
    elif re.search(r"^\s*--- FAIL", text, re.MULTILINE):
        problem = "a benchmark failed"
    else:
        said = [line for line in text.splitlines() if line.strip()
                and not line.startswith(("FAIL", "exit status ", "ok "))]
        problem = f"go test failed (exit {result.returncode})"
        if said:
            problem += f": {said[-1].strip()}"  # go's own reason, e.g. a broken go.mod
    tail = "\n".join(text.rstrip("\n").splitlines()[-TAIL_LINES:])
    raise BenchguardError(f"[{label}] {spec.package}: {problem}", exit_code=EXIT_BENCH_FAILED,
                          detail=tail)


def _import_path(text: str) -> str | None:
    # Without benchmark results there is no "pkg:" line, but go test still ends with "ok  <path>".
    found = _RESULT_LINE.search(text)
    return found.group(1) if found else None


