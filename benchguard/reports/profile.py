"""Why did a benchmark get slower? Rerun it with -cpuprofile and -memprofile at base and at head,
one package at a time (go refuses profiles for several packages), and diff the profiles with
`go tool pprof -top -diff_base`. Files stay under .benchguard/profiles/<head sha>/."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard.engine import benchmatch
from benchguard.engine.status import Verdict
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.tools import git, go

if TYPE_CHECKING:
    from benchguard.engine.benchfmt import BenchKey
    from benchguard.engine.verdict import ComparisonReport
    from benchguard.push.runner import RunSpec

DIRECTORY = Path(".benchguard") / "profiles"
DEFAULT_BENCHTIME = "1s"  # a CPU profile samples at 100 Hz: it needs time to say anything
TOP = 10
# The memory profiler records one sample per 512 KiB allocated: a change of a sample or two is
# the luck of where the samples fell, not the benchmark.
MEMORY_NOISE = 2 * 512 * 1024
_ROW = re.compile(r"^\s*(-?[\d.]+(?:e[-+]?\d+)?)([a-zµ]*B?|[a-zµ]*s)?\s+(-?[\d.e+-]+)%\s+\S+%"
                  r"\s+(-?[\d.]+(?:e[-+]?\d+)?)([a-zµ]*B?|[a-zµ]*s)?\s+(-?[\d.e+-]+)%\s+(.+?)\s*$",
                  re.IGNORECASE)
_RESULT = re.compile(r"^(Benchmark\S*?)(-\d+)?\s+(\d+)\s", re.MULTILINE)
_SCALE = {"": 1.0, "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0,
          "hrs": 3600.0, "b": 1.0, "kb": 1024.0, "mb": 1024.0 ** 2, "gb": 1024.0 ** 3,
          "tb": 1024.0 ** 4}


@dataclass(frozen=True)
class FunctionChange:
    """One row of `pprof -top -diff_base`: how much more (or less) a function took at head."""

    function: str
    flat: float  # seconds of CPU, or bytes allocated: head minus base
    flat_percent: float  # of the base profile's total
    cumulative: float


@dataclass(frozen=True)
class ProfileDiff:
    package: str  # "./dir"
    pattern: str  # the -bench pattern that was profiled
    benchmarks: tuple[str, ...]
    base: str
    head: str
    directory: str  # where the .prof files are
    cpu: tuple[FunctionChange, ...]
    memory: tuple[FunctionChange, ...]
    # True: both sides ran the same iterations, so the diff is per operation; False: head was
    # scaled to base's total (-normalize) and the diff compares shares
    per_op: bool = True
    iterations: int = 0  # of each side, when per_op

    def slower(self, count: int = 5) -> list[FunctionChange]:
        """The functions whose share of CPU grew most."""
        return [change for change in self.cpu if change.flat > 0][:count]

    def describe(self, change: FunctionChange) -> str:
        """How much more a function took: per operation when both sides ran as many."""
        if self.iterations:
            return f"{_seconds(change.flat / self.iterations)}/op"
        return f"{change.flat_percent:+.1f}% of CPU"


def regressed_specs(report: ComparisonReport,
                    owner: Callable[[BenchKey], RunSpec | None]) -> list[RunSpec]:
    """One spec per benchmark with a regression nobody allowed, built as the run its results
    came from (``owner``) was: alone, it is profiled per operation (see profile)."""

    wanted = []
    for comparison in report.comparisons:
        bench = comparison.series.bench
        spec = owner(bench)
        if (comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is None
                and spec is not None):
            wanted.append(RunSpec(spec.package, benchmatch.pattern_for([bench.name]), spec.tags,
                                  spec.module))
    return list(dict.fromkeys(wanted))


def profile(repo: Path, base: str, head: str, specs: Sequence[RunSpec], *, reporter: Reporter,
            benchtime: str = DEFAULT_BENCHTIME, timeout: str = "10m") -> list[ProfileDiff]:
    """Profile ``specs`` at ``base`` and ``head``, keep the files, and diff them per package."""
    root = profiles_root(repo) / head
    diffs = []
    with git.worktree(repo, base) as base_tree, git.worktree(repo, head) as head_tree:
        for spec in dict.fromkeys(specs):
            if not all((tree / spec.package).is_dir() for tree in (base_tree, head_tree)):
                reporter.warn(f"{spec.package} is not in both {base[:12]} and {head[:12]}; "
                              "not profiled")
                continue
            where = root / _slug(spec.package) / _slug(spec.pattern)
            where.mkdir(parents=True, exist_ok=True)
            # Head first: a package where nothing matches at head costs one build, not two.
            # One benchmark: base runs as many iterations as head did, so the diff is per
            # operation; several: each side runs for benchtime and the diff compares shares.
            reporter.progress(f"[head {head[:12]}] {spec.package}: profiling "
                              f"-bench '{spec.pattern}' (benchtime {benchtime})…")
            measured = _profile_once(head_tree, spec, where, "head", benchtime, timeout)
            if not measured:
                reporter.progress(f"{spec.package}: no benchmark matches -bench "
                                  f"'{spec.pattern}' at head; not profiled")
                shutil.rmtree(where, ignore_errors=True)
                continue
            per_op = len(measured) == 1
            base_time = f"{next(iter(measured.values()))}x" if per_op else benchtime
            reporter.progress(f"[base {base[:12]}] {spec.package}: profiling "
                              f"-bench '{spec.pattern}' (benchtime {base_time})…")
            if not _profile_once(base_tree, spec, where, "base", base_time, timeout):
                reporter.warn(f"{spec.package}: no benchmark matches -bench '{spec.pattern}' "
                              f"at base {base[:12]}; not profiled")
                continue
            diffs.append(_diff(spec, measured, base, head, where, per_op=per_op,
                               reporter=reporter))
    return diffs


def profiles_root(repo: Path) -> Path:
    root = repo / DIRECTORY
    root.mkdir(parents=True, exist_ok=True)
    # ignored by git in any repository, without touching the user's .gitignore
    ignore = repo / ".benchguard" / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return root


def stored(repo: Path, head: str, base: str | None = None, *,
           reporter: Reporter) -> list[ProfileDiff]:
    """The profile diffs kept for ``head`` (against ``base``, when given) by an earlier
    `profile`, `check --profile` or `report --profile`."""
    diffs = []
    for summary in sorted((repo / DIRECTORY / head).glob("*/*/diff.json")):
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            diff = ProfileDiff(
                **{**data, "benchmarks": tuple(data["benchmarks"]),
                   "cpu": tuple(FunctionChange(**row) for row in data["cpu"]),
                   "memory": tuple(FunctionChange(**row) for row in data["memory"])})
        except (OSError, ValueError, TypeError, KeyError):
            reporter.warn(f"{summary}: unreadable profile summary; skipped")
            continue
        if base is None or diff.base == base:
            diffs.append(diff)
    return diffs


def render_text(diffs: Sequence[ProfileDiff], *, top: int = TOP) -> str:
    lines = []
    for diff in diffs:
        how = ("the same iterations on both sides" if diff.per_op
               else "head scaled to base's total: shares of CPU")
        lines.append(f"{diff.package} {', '.join(diff.benchmarks)}: CPU profile "
                     f"{diff.base[:12]} → {diff.head[:12]} ({how})")
        lines += _table(diff.cpu[:top], _seconds, diff.iterations)
        grown = [change for change in diff.memory if change.flat > MEMORY_NOISE][:3]
        if grown:
            lines.append("  allocations that grew most:")
            lines += _table(tuple(grown), _bytes, diff.iterations)
        lines.append(f"  profiles: {diff.directory}/{{base,head}}.{{cpu,mem}}.prof — "
                     f"go tool pprof -http=: -diff_base={diff.directory}/base.cpu.prof "
                     f"{diff.directory}/head.cpu.prof")
        lines.append("")
    return "\n".join(lines)


def _table(changes: Sequence[FunctionChange], show: Any, iterations: int) -> list[str]:
    """Rows of: the change in total, per operation (when both sides ran as many), % of base."""
    rows = [[show(change.flat), *([f"{show(change.flat / iterations)}/op"] if iterations else []),
             f"{change.flat_percent:+.1f}%", change.function] for change in changes]
    if not rows:
        return ["  (no samples: try a longer --benchtime)"]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=False))
            + f"  {row[-1]}" for row in rows]


def _seconds(value: float) -> str:
    for unit, size in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= size:
            return f"{value / size:+.3g}{unit}"
    return f"{value * 1e9:+.3g}ns"


def _bytes(value: float) -> str:
    for unit, size in (("GiB", 1024.0 ** 3), ("MiB", 1024.0 ** 2), ("KiB", 1024.0)):
        if abs(value) >= size:
            return f"{value / size:+.3g}{unit}"
    return f"{value:+.3g}B"


def _slug(name: str) -> str:
    """A directory name for a package ("./a/b" -> "a_b") or a -bench pattern."""
    if name == ".":
        return "all"
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name.removeprefix("./")).strip("_.") or "all"


def _profile_once(tree: Path, spec: RunSpec, where: Path, side: str, benchtime: str,
                  timeout: str) -> dict[str, int]:
    """Run once with profiles; the iterations of each benchmark that ran, by name."""

    args = ["test", "-run=^$", f"-bench={spec.pattern}", "-count=1", f"-benchtime={benchtime}",
            "-benchmem", f"-cpuprofile={where / f'{side}.cpu.prof'}",
            f"-memprofile={where / f'{side}.mem.prof'}", f"-o={where / f'{side}.test'}"]
    if spec.tags:
        args.append("-tags=" + ",".join(spec.tags))
    settings = RunSettings(count=1, benchtime=benchtime, timeout=timeout)
    result = go.run([*args, f"-timeout={timeout}", spec.go_package], cwd=tree / spec.module,
                    timeout=settings.wall_clock)
    if result.returncode != 0 or result.killed:
        tail = "\n".join(result.output.rstrip("\n").splitlines()[-20:])
        raise BenchguardError(f"[{side}] {spec.package}: go test with profiles failed",
                              exit_code=EXIT_BENCH_FAILED, detail=tail)
    (where / f"{side}.txt").write_text(result.output, encoding="utf-8")
    return {found.group(1): int(found.group(3)) for found in _RESULT.finditer(result.output)}


def _diff(spec: RunSpec, measured: dict[str, int], base: str, head: str, where: Path, *,
          per_op: bool, reporter: Reporter) -> ProfileDiff:
    scaling = [] if per_op else ["-normalize"]
    cpu = _top(where, "cpu", scaling, reporter)
    # the profiler's own allocations (writing the CPU profile) are not the benchmark's
    memory = _top(where, "mem", [*scaling, "-sample_index=alloc_space", r"-ignore=runtime/pprof\."],
                  reporter)
    shown = Path(*where.parts[-len(DIRECTORY.parts) - 3:])  # relative to the repository
    diff = ProfileDiff(package=spec.package, pattern=spec.pattern, benchmarks=tuple(measured),
                       base=base, head=head, directory=shown.as_posix(), cpu=cpu, memory=memory,
                       per_op=per_op, iterations=sum(measured.values()) if per_op else 0)
    (where / "diff.json").write_text(json.dumps(asdict(diff), indent=1), encoding="utf-8")
    return diff


def _top(where: Path, kind: str, extra: list[str], reporter: Reporter
         ) -> tuple[FunctionChange, ...]:
    result = go.run(["tool", "pprof", "-top", *extra,
                     f"-diff_base={where / f'base.{kind}.prof'}",
                     str(where / f"head.{kind}.prof")], cwd=where)
    (where / f"diff.{kind}.txt").write_text(result.output, encoding="utf-8")
    if result.returncode != 0:
        reporter.warn(f"go tool pprof could not diff the {kind} profiles in {where}")
        return ()
    return parse_top(result.output)


def parse_top(text: str) -> tuple[FunctionChange, ...]:
    """The rows of `pprof -top`, the functions that grew most first."""
    changes = []
    for line in text.splitlines():
        found = _ROW.match(line)
        if found is None:
            continue
        flat = float(found.group(1)) * _SCALE.get((found.group(2) or "").lower(), 1.0)
        cumulative = float(found.group(4)) * _SCALE.get((found.group(5) or "").lower(), 1.0)
        sign = -1 if flat < 0 else 1
        changes.append(FunctionChange(found.group(7), flat, sign * float(found.group(3)),
                                      cumulative))
    changes.sort(key=lambda change: -change.flat)
    return tuple(changes)
