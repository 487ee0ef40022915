"""How much a pull request's check in N shards gains (issue 22): the wall time of the slowest
shard against the unsharded check's, for N = 2, 3, 4, on a generated repository of 12
benchmarked packages.

    python benchmarks/shard_speed.py [--packages 12] [--shards 2 3 4] [--rounds 1]
                                     [--count 6] [--benchtime 50ms]

A pull request changes `core`, which every package imports, so the check selects all of them.
Each check runs as a CI job would: `benchguard ci` in a fresh shallow clone, on a
`pull_request` event, no token (no comment). The shards of one N run ONE AFTER ANOTHER, each in
its own clone, and the slowest one's wall time is taken: N shards at once on this shared 2-core
machine would be N processes on 2 cores, not N machines. Then `benchguard ci --merge` checks that
the parts merge (its time is given apart: it measures nothing).

Two cases:
(a) no notes: nothing recorded how long a selection takes, so the split is by package and its
    number of benchmarks, and every check measures base and head side by side;
(b) after the baseline job: a baseline of the base on this machine (`benchguard baseline --push`)
    gives the split the durations it recorded, and every check measures the head only against it.

Extra rounds and confirmations are turned off (`max_count = count`, `confirm = false`): they
depend on the noise of the moment, and this compares the split, not the decisions. Go's build
cache is the developer's (warm), as the comparison is of measuring; a CI runner's cold cache
adds its build to every shard alike. Goal: the slowest shard within 1.2 × (unsharded) / N plus
the build: the fixed cost of a job (what a shard of an empty part takes: fetching, `go list`,
planning) and the seconds the shard spent building its test binaries (each job builds its own,
and the packages they share — `core` here — once in every job).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from check_speed import environment, git

CORE = """package core

// Mix folds v into h.
func Mix(h, v uint64) uint64 {
	h ^= v
	return h * 1099511628211
}
"""

PACKAGE = """package {name}

import "example.com/many/core"

func Work(data []byte, rounds int) uint64 {{
	var h uint64 = 14695981039346656037
	for r := 0; r < rounds; r++ {{
		for _, b := range data {{
			h = core.Mix(h, uint64(b))
		}}
	}}
	return h
}}
"""

BENCHMARK = """
func BenchmarkWork{number}(b *testing.B) {{
	data := make([]byte, {size})
	for i := 0; i < b.N; i++ {{
		sink = Work(data, {rounds})
	}}
}}
"""

CONFIG = """count = {count}
max_count = {count}
benchtime = "{benchtime}"
threshold = "20%"
confirm = false
budget = "0"
timeout = "5m"
auto_max_packages = {packages}
"""


def files(packages: int, count: int, benchtime: str) -> dict[str, str]:
    """``packages`` packages importing core, with one to three benchmarks each: parts of equal
    package counts are not of equal time."""
    found = {"go.mod": "module example.com/many\n\ngo 1.21\n", "core/core.go": CORE,
             "benchguard.toml": CONFIG.format(count=count, benchtime=benchtime,
                                              packages=packages)}
    for number in range(1, packages + 1):
        name = f"p{number:02d}"
        found[f"{name}/{name}.go"] = PACKAGE.format(name=name)
        benchmarks = "".join(BENCHMARK.format(number=one, size=256 * one, rounds=number)
                             for one in range(1, 1 + number % 3 + 1))
        found[f"{name}/{name}_test.go"] = (f'package {name}\n\nimport "testing"\n\n'
                                           f"var sink uint64\n{benchmarks}")
    return found


def build(base: Path, packages: int, count: int, benchtime: str) -> tuple[Path, str, str]:
    """A repository with its bare remote and a pull request that changes core; (remote, base,
    head)."""
    remote, root = base / "remote.git", base / "work"
    git("init", "-q", "--bare", str(remote), cwd=base)
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    for name, text in files(packages, count, benchtime).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "initial", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    pr_base = git("rev-parse", "HEAD", cwd=root)
    with open(root / "core" / "core.go", "a", encoding="utf-8") as core:
        core.write("\n// Mix is FNV-1a's step.\n")
    git("commit", "-q", "-am", "document Mix", cwd=root)
    head = git("rev-parse", "HEAD", cwd=root)
    git("push", "-q", "origin", f"{head}:refs/pull/1/head", cwd=root)
    return remote, pr_base, head


class Checks:
    """`benchguard ci` jobs of one pull request, each in a fresh shallow clone."""

    def __init__(self, scratch: Path, remote: Path, base: str, head: str,
                 env: dict[str, str]) -> None:
        self.scratch, self.remote, self.base, self.head = scratch, remote, base, head
        self.env = env
        self.jobs = 0
        event = scratch / "event.json"
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        event.write_text(json.dumps({"action": "synchronize", "number": 1, "pull_request": {
            "number": 1, "updated_at": now, "labels": [],
            "base": {"sha": base, "repo": {"full_name": "octo/many"}},
            "head": {"sha": head, "repo": {"full_name": "octo/many", "fork": False}}}}),
            encoding="utf-8")
        self.ci = {**env, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                   "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "octo/many"}

    def clone(self) -> Path:
        self.jobs += 1
        where = self.scratch / f"job-{self.jobs}"
        git("clone", "-q", "--depth", "1", f"file://{self.remote}", str(where),
            cwd=self.scratch)
        git("fetch", "-q", "--depth", "1", "origin", self.head, cwd=where)
        git("checkout", "-q", "--detach", self.head, cwd=where)
        return where

    def run(self, *args: str) -> float:
        """One job's wall time (its clone not counted)."""
        where = self.clone()
        env = {**self.ci, "RUNNER_TEMP": str(where.parent / f"temp-{self.jobs}")}
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "benchguard", "ci", *args], cwd=where,
                              env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(f"benchguard ci {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stderr[-3000:]}")
        return seconds


@dataclass
class Figures:
    """One pass: wall times in seconds."""

    unsharded: float
    fixed: float  # a shard of an empty part
    shards: dict[int, list[float]]  # N -> each shard's
    builds: dict[int, list[float]]  # N -> the seconds each shard spent building test binaries
    merges: dict[int, float]


def build_seconds(part: Path) -> float:
    """The seconds a shard spent building test binaries (`go test -c`), from its file."""
    record = json.loads(part.read_text(encoding="utf-8"))["body"]["record"]
    return float(sum(binary["build"] for kind in ("alone", "side_by_side") if record[kind]
                     for binary in record[kind]["binaries"]))


def measure(checks: Checks, shards: Sequence[int], packages: int) -> Figures:
    """The unsharded check, each N's shards one after another, and a shard of an empty part."""
    unsharded = checks.run()
    walls, builds, merges = {}, {}, {}
    for count in shards:
        parts = checks.scratch / f"parts-{count}-{checks.jobs}"
        walls[count] = [checks.run("--shard", f"{k}/{count}", "--output", str(parts))
                        for k in range(1, count + 1)]
        builds[count] = [build_seconds(parts / f"benchguard-shard-{k}-of-{count}.json")
                         for k in range(1, count + 1)]
        merges[count] = checks.run("--merge", str(parts))
    # more parts than selections: the last part is empty, so it costs what a job costs
    empty = packages + 1
    fixed = checks.run("--shard", f"{empty}/{empty}", "--output",
                       str(checks.scratch / f"empty-{checks.jobs}"))
    return Figures(unsharded, fixed, walls, builds, merges)


def report(case: str, passes: list[Figures], shards: Sequence[int]) -> None:
    unsharded = statistics.median(one.unsharded for one in passes)
    fixed = statistics.median(one.fixed for one in passes)
    print(f"\n{case}: unsharded {unsharded:.1f} s; a job's fixed cost (an empty part) "
          f"{fixed:.1f} s")
    print("  N  slowest shard (its build)  each shard (s)             × unsharded  "
          "goal: 1.2/N + (fixed + its build) / unsharded  merge")
    for count in shards:
        slowest = [max(range(count), key=one.shards[count].__getitem__) for one in passes]
        wall = statistics.median(one.shards[count][k] for one, k in zip(passes, slowest,
                                                                        strict=True))
        build = statistics.median(one.builds[count][k] for one, k in zip(passes, slowest,
                                                                         strict=True))
        each = [statistics.median(one.shards[count][k] for one in passes)
                for k in range(count)]
        merge = statistics.median(one.merges[count] for one in passes)
        goal = 1.2 / count + (fixed + build) / unsharded
        verdict = "met" if wall / unsharded <= goal else "MISSED"
        print(f"  {count}  {wall:6.1f} s ({build:4.1f} s)       "
              f"{', '.join(f'{s:.1f}' for s in each):26} {wall / unsharded:5.2f}×      "
              f"{goal:4.2f}× ({verdict}; without the build {1.2 / count + fixed / unsharded:.2f}×)"
              f"  {merge:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=12)
    parser.add_argument("--shards", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--rounds", type=int, default=1, help="repeat it all; medians")
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--benchtime", default="50ms")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"{args.packages} packages, count {args.count}, benchtime {args.benchtime}; "
          f"load average {load[0]:.1f} at the start")
    with tempfile.TemporaryDirectory(prefix="benchguard-shards-") as temporary:
        scratch = Path(temporary)
        env = environment(scratch)
        for name in ("GOCACHE", "GOMODCACHE"):
            env[name] = os.environ.get(name) or subprocess.run(
                ["go", "env", name], capture_output=True, text=True, check=True).stdout.strip()
        os.environ.update({key: value for key, value in env.items() if key.startswith("GIT_")})
        remote, base, head = build(scratch, args.packages, args.count, args.benchtime)
        checks = Checks(scratch, remote, base, head, env)
        bare = [measure(checks, args.shards, args.packages) for _ in range(args.rounds)]
        report("(a) no notes: split by benchmark counts, side by side", bare, args.shards)
        recorder = checks.clone()
        subprocess.run([sys.executable, "-m", "benchguard", "baseline", base, "--push"],
                       cwd=recorder, env=env, check=True, capture_output=True)
        stored = [measure(checks, args.shards, args.packages) for _ in range(args.rounds)]
        report("(b) after the baseline job: split by recorded durations, head only", stored,
               args.shards)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
