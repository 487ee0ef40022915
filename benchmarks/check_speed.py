"""What `benchguard check` costs on a push, measured side by side in one run.

    python benchmarks/check_speed.py [--runs 10] [--count 6] [--benchtime 2000x]

Builds a throwaway Go module (three packages, two benchmarked) with a bare remote, then times,
alternating the two commands of each pair and taking medians of wall-clock and CPU time (CPU
time, the user + system time of the command and its git and go children, is what a busy machine
distorts least):

(a) a push that touches no Go file: `benchguard check` on a docs-only commit against
    `python -c pass` (the interpreter's own start-up), and lists the benchguard modules and heavy
    libraries such a check imports (it must not import pygit2, results, stats, verdict, report);
(b) a push with a stored baseline: `benchguard check` on a commit that changes ./hashing, whose
    base already has a baseline in notes, against the raw `go test -run '^$' -bench … -count N
    -benchtime T -benchmem ./hashing` benchguard itself runs for that selection.

Python modules are byte-compiled once into a private cache first (PYTHONPYCACHEPREFIX), as an
installed package is, so start-up is not charged for compiling.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Its figures are the timed instrument's: valgrind here would make `auto` simulate (issue 23).
os.environ.setdefault("BENCHGUARD_INSTRUMENT", "time")

GO_MODULE = {
    "go.mod": "module example.com/speed\n\ngo 1.21\n",
    "mathx/mix.go": """package mathx

func Mix(h, v uint64) uint64 {
	h ^= v
	h *= 1099511628211
	return h
}
""",
    "hashing/hash.go": """package hashing

import "example.com/speed/mathx"

func Sum(data []byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, b := range data {
		h = mathx.Mix(h, uint64(b))
	}
	return h
}
""",
    "hashing/hash_test.go": """package hashing

import "testing"

var sink uint64

func BenchmarkSum(b *testing.B) {
	data := make([]byte, 4096)
	for i := 0; i < b.N; i++ {
		sink = Sum(data)
	}
}
""",
    "parse/parse.go": """package parse

func Fields(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			n++
		}
	}
	return n
}
""",
    "parse/parse_test.go": """package parse

import (
	"strings"
	"testing"
)

var sink int

func BenchmarkFields(b *testing.B) {
	s := strings.Repeat("a,b,", 1024)
	for i := 0; i < b.N; i++ {
		sink = Fields(s)
	}
}
""",
}

CONFIG = """count = {count}
benchtime = "{benchtime}"
threshold = "1000%"  # never a regression: no side-by-side confirmation runs

[[bench]]
paths = ["hashing/**"]
package = "./hashing"
pattern = "BenchmarkSum"

[[bench]]
paths = ["parse/**"]
package = "./parse"
"""

# What a push that touches no Go code must never pay for.
HEAVY = ("pygit2", "benchguard.commands.check_measure", "benchguard.push.branch",
         "benchguard.push.measure", "benchguard.push.session", "benchguard.push.runner",
         "benchguard.engine.stats", "benchguard.engine.verdict", "benchguard.engine.decision",
         "benchguard.reports.table", "benchguard.reports.check")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def build_project(base: Path, count: int, benchtime: str) -> Path:
    remote, root = base / "remote.git", base / "work"
    git("init", "-q", "--bare", str(remote), cwd=base)
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    for name, text in {**GO_MODULE,
                       "benchguard.toml": CONFIG.format(count=count, benchtime=benchtime)}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "initial", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    return root


def environment(scratch: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
        "HOME": str(scratch),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Speed", "GIT_AUTHOR_EMAIL": "speed@example.com",
        "GIT_COMMITTER_NAME": "Speed", "GIT_COMMITTER_EMAIL": "speed@example.com",
        "NO_COLOR": "1",
    })
    return env


@dataclass
class Times:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system, the command's processes


def timed(command: Sequence[str], *, cwd: Path, env: dict[str, str],
          into: Times | None = None) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    if into is not None:
        into.wall.append(seconds)
        into.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def side_by_side(commands: dict[str, list[str]], runs: int, *, cwd: Path,
                 env: dict[str, str]) -> dict[str, Times]:
    """Each command ``runs`` times, alternating (so a burst of load hits both)."""
    times = {name: Times() for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            timed(command, cwd=cwd, env=env, into=times[name])
    return times


# `python -m benchguard ARGS`, then the modules it imported; -X importtime would miss the ones
# importlib.import_module loads (the command's own module)
LIST_IMPORTS = """
import atexit, runpy, sys
atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))
sys.argv[0] = "benchguard"
runpy.run_module("benchguard", run_name="__main__")
"""


def imported_modules(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> list[str]:
    """The benchguard and pygit2 modules ``command`` (``python -m benchguard …``) imports."""
    arguments = command[command.index("benchguard") + 1:]
    proc = subprocess.run([command[0], "-c", LIST_IMPORTS, *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    names = proc.stderr.splitlines()[-1].split() if proc.stderr else []
    return [name for name in names if name.split(".")[0] in ("benchguard", "pygit2")]


def describe(name: str, times: Times) -> str:
    runs = " ".join(f"{value:.3f}" for value in times.wall)
    return (f"  {name:<12} median {statistics.median(times.wall):.3f} s, CPU "
            f"{statistics.median(times.cpu):.3f} s  (runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--benchtime", default="2000x")
    args = parser.parse_args()
    if shutil.which("go") is None:
        print("go not found on PATH")
        return 2
    python = sys.executable
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="check-speed-") as directory:
        scratch = Path(directory)
        env = environment(scratch)
        root = build_project(scratch, args.count, args.benchtime)
        benchguard = [python, "-m", "benchguard", "check"]

        # (a) a push that touches no Go file
        (root / "README.md").write_text("# speed\n", encoding="utf-8")
        git("add", "-A", cwd=root)
        git("commit", "-q", "-m", "docs", cwd=root)
        timed(benchguard, cwd=root, env=env)  # byte-compiles into the private cache
        docs = side_by_side({"benchguard": benchguard, "python": [python, "-c", "pass"]},
                            args.runs, cwd=root, env=env)
        modules = imported_modules(benchguard, cwd=root, env=env)
        heavy = [name for name in modules if name in HEAVY or name.startswith("pygit2")]

        # (b) a push with a stored baseline for its base
        base = git("rev-parse", "HEAD", cwd=root)
        timed([python, "-m", "benchguard", "baseline", base], cwd=root, env=env)
        doc = "// Package hashing sums bytes.\npackage hashing\n"
        (root / "hashing" / "doc.go").write_text(doc, encoding="utf-8")
        git("add", "-A", cwd=root)
        git("commit", "-q", "-m", "document hashing", cwd=root)
        go_test = ["go", "test", "-run=^$", "-bench=BenchmarkSum", f"-count={args.count}",
                   f"-benchtime={args.benchtime}", "-benchmem", "-timeout=10m", "./hashing"]
        timed(go_test, cwd=root, env=env)  # warm go's build cache for both
        timed([*benchguard, "--base", base], cwd=root, env=env)
        stored = side_by_side({"benchguard": [*benchguard, "--base", base], "go test": go_test},
                              args.runs, cwd=root, env=env)
        notes = git("notes", "--ref", "benchguard", "show", base, cwd=root).splitlines()

    docs_median = {name: statistics.median(times.wall) for name, times in docs.items()}
    stored_median = {name: statistics.median(times.wall) for name, times in stored.items()}
    print(f"(a) a push that touches no Go file ({args.runs} runs each, alternating)")
    print(f"  load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f} (2 cores)")
    for name, times in docs.items():
        print(describe(name, times))
    print(f"  benchguard check: {docs_median['benchguard']:.3f} s; "
          f"{docs_median['benchguard'] - docs_median['python']:.3f} s over python start-up")
    print(f"  benchguard modules imported: {len(modules)}; heavy ones: "
          f"{', '.join(heavy) if heavy else 'none'}")
    print(f"(b) a push with a stored baseline: ./hashing BenchmarkSum, count {args.count}, "
          f"benchtime {args.benchtime} ({args.runs} runs each, alternating)")
    for name, times in stored.items():
        print(describe(name, times))
    print(f"  benchguard check / go test = "
          f"{stored_median['benchguard'] / stored_median['go test']:.3f} "
          f"(+{stored_median['benchguard'] - stored_median['go test']:.3f} s); "
          f"baseline records on the base after all runs: {len(notes)}")
    return 1 if heavy else 0


if __name__ == "__main__":
    raise SystemExit(main())
