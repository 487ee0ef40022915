"""How often does `benchguard check` block a push that changed nothing, how often does it catch a
real ~10% or 3× slowdown, and what does a check cost against the raw `go test` of the head alone,
on this machine as it is (shared, loaded, throttling)?

    python benchmarks/false_block_rate.py [--same 50] [--slower 20] [--slower3x 10]
        [--stored 0] [--count 6] [--benchtime 50ms] [--hog 0] [--benchguard DIR]
        [--out FILE.json]

Builds the Go module of benchmarks/record_rounds.py — one ~2 µs benchmark and table-driven
sub-benchmarks of a few ns to a few hundred ns, allocating and not: 12 benchmarks, 37
(benchmark, metric) comparisons, 13 of them noisy (sec/op, B/s) — and runs real checks with
`benchguard check --base B --head H --format json`:

- A/A (`same`): the head only edits a comment, so both sides run the same code. Any block is
  false.
- `slower`: the head does 11 units of work instead of 10 (~10% slower; one sub-benchmark,
  `Parse/fields=8`, mostly allocates and slows by less).
- `slower3x`: 30 units instead of 10.

Each check measures a fresh base side by side with the head (no stored baseline), as a first
push does; `--stored K` adds K checks of each kind against one shared base whose baseline
`benchguard baseline` stored at the start (minutes before: what confirmation is for). Right
before or after each check (alternating), the raw
`go test -run '^$' -bench . -count N -benchtime T -benchmem ./work` of the head alone is timed:
what a developer would run by hand. `--hog N` keeps N busy loops running meanwhile (a loaded
machine); `--benchguard DIR` runs the benchguard found in DIR (another worktree: the rule before
a change) instead of the installed one.

Prints one line per check, then per kind and mode: checks blocked, noisy comparisons blocked
(those the slowed head made at least 7% worse, pooled over the checks of that kind), rounds,
and the check's wall time over the raw `go test`'s (median and 90th percentile). `--out` keeps
every check in a JSON file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from record_rounds import WORK_GO, WORK_TEST_GO

from benchguard.tools import machine

# Its figures are the timed instrument's: valgrind here would make `auto` simulate (issue 23).
os.environ.setdefault("BENCHGUARD_INSTRUMENT", "time")

UNITS = {"same": 10, "slower": 11, "slower3x": 30}
BASE_UNITS = 10
NOISY = ("sec/op", "B/s")
SLOWED_AT_LEAST = 0.07  # a comparison of a slowed head counts when pooled this much worse

CONFIG = """\
count = {count}
benchtime = "{benchtime}"
threshold = "5%"

[[bench]]
paths = ["work/**"]
package = "./work"
"""


@dataclass
class Trial:
    kind: str  # "same", "slower", "slower3x"
    mode: str  # "side by side" or "stored baseline"
    blocked: bool
    status: str
    rounds: int  # the most rounds a selection ran side by side (count when head only)
    seconds: float  # the check's wall time
    raw: float  # the raw go test of the head alone
    load: float | None  # 1-minute load average when the check started
    # "name|unit" -> [verdict, delta (benchstat's change of medians), base median, head median,
    # the round it was decided at (None before issue #13)]
    series: dict[str, list[object]] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        return self.seconds / self.raw


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def work_go(units: int, trial: str) -> str:
    return WORK_GO.format(session=trial, side="-", units=units)


def benchguard(repo: Path, *args: str, path: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:  # that worktree's benchguard, ahead of the installed one
        env["PYTHONPATH"] = str(path)
    return subprocess.run([sys.executable, "-m", "benchguard", *args], cwd=repo,
                          capture_output=True, text=True, check=False, env=env)


def raw_go_test(repo: Path, head: str, count: int, benchtime: str) -> float:
    git(repo, "checkout", "-q", "--detach", head)
    started = time.monotonic()
    proc = subprocess.run(["go", "test", "-run", "^$", "-bench", ".", "-count", str(count),
                           f"-benchtime={benchtime}", "-benchmem", "./work"], cwd=repo,
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"go test failed:\n{proc.stdout}{proc.stderr}")
    return seconds


def check(repo: Path, base: str, head: str, kind: str, mode: str, args: argparse.Namespace,
          raw_first: bool) -> Trial:
    raw = raw_go_test(repo, head, args.count, args.benchtime) if raw_first else 0.0
    load = machine.load_average()
    started = time.monotonic()
    proc = benchguard(repo, "check", "--base", base, "--head", head, "--format", "json",
                      path=args.benchguard)
    seconds = time.monotonic() - started
    if not raw_first:
        raw = raw_go_test(repo, head, args.count, args.benchtime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchguard check failed ({proc.returncode}):\n{proc.stderr}")
    [result] = json.loads(proc.stdout)["checks"]
    rounds = max((int(one["rounds"]) for one in result.get("rounds", {}).values()),
                 default=args.count)
    decided = {label: at for one in result.get("rounds", {}).values()
               for label, at in one.get("decided", {}).items()}
    series: dict[str, list[object]] = {}
    for entry in result["benchmarks"]:
        if entry["metric"] in NOISY:
            label = f"{entry['name']}-{entry['procs']}"
            series[f"{label}|{entry['metric']}"] = [
                entry["verdict"], entry["delta"], (entry["base"] or {}).get("median"),
                (entry["head"] or {}).get("median"), decided.get(f"{label} {entry['metric']}")]
    return Trial(kind, mode, proc.returncode == 1, result["status"], rounds, seconds, raw,
                 None if load is None else round(load[0], 2), series)


def slowed(trials: list[Trial]) -> set[str]:
    """The noisy comparisons the slowed head of these checks made at least SLOWED_AT_LEAST
    worse, pooled (geometric mean of the ratio of medians) over the checks."""
    ratios: dict[str, list[float]] = {}
    for trial in trials:
        for name, (_, _, base, head, _) in trial.series.items():
            if isinstance(base, float) and isinstance(head, float) and base > 0 and head > 0:
                ratio = head / base if name.endswith("|sec/op") else base / head
                ratios.setdefault(name, []).append(math.log(ratio))
    return {name for name, logs in ratios.items()
            if math.expm1(statistics.fmean(logs)) >= SLOWED_AT_LEAST}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(trials: list[Trial]) -> list[str]:
    lines = []
    for mode in dict.fromkeys(trial.mode for trial in trials):
        for kind in UNITS:
            mine = [t for t in trials if t.kind == kind and t.mode == mode]
            if not mine:
                continue
            blocked = sum(t.blocked for t in mine)
            line = f"{mode:15s} {kind:8s} checks blocked {blocked}/{len(mine)}"
            if kind != "same":
                wanted = slowed(mine)
                hits = sum(1 for t in mine for name in wanted
                           if t.series.get(name, [None])[0] == "regression")
                total = len(wanted) * len(mine)
                line += (f", slowed comparisons blocked {hits}/{total} "
                         f"({hits / max(total, 1):.1%}; {len(wanted)} a check)")
            else:
                false = sum(1 for t in mine for verdict, *_ in t.series.values()
                            if verdict == "regression")
                line += f", comparisons blocked {false}"
            costs = [t.cost for t in mine]
            rounds = [float(t.rounds) for t in mine]
            loads = [t.load for t in mine if t.load is not None]
            line += (f"; rounds med {quantile(rounds, 0.5):.0f} p90 {quantile(rounds, 0.9):.0f}"
                     f"; cost × raw med {quantile(costs, 0.5):.2f} p90 {quantile(costs, 0.9):.2f}"
                     f"; load med {statistics.median(loads) if loads else float('nan'):.1f}")
            unresolved = sum(1 for t in mine for verdict, *_ in t.series.values()
                             if verdict == "unresolved")
            if unresolved:
                line += f"; unresolved comparisons {unresolved}"
            lines.append(line)
        costs = [t.cost for t in trials if t.mode == mode]
        lines.append(f"{mode:15s} all      cost × raw med {quantile(costs, 0.5):.2f} "
                     f"p90 {quantile(costs, 0.9):.2f} over {len(costs)} checks")
    return lines


def hogs(count: int) -> list[subprocess.Popen[bytes]]:
    """Busy loops that load the machine while the checks run."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--same", type=int, default=50, help="A/A checks (default 50)")
    parser.add_argument("--slower", type=int, default=20, help="~10%% slowdowns (default 20)")
    parser.add_argument("--slower3x", type=int, default=10, help="3x slowdowns (default 10)")
    parser.add_argument("--stored", type=int, default=0,
                        help="checks of each kind against a stored baseline (default 0)")
    parser.add_argument("--count", type=int, default=6, help="count per side (default 6)")
    parser.add_argument("--benchtime", default="50ms")
    parser.add_argument("--hog", type=int, default=0, help="busy loops meanwhile (default 0)")
    parser.add_argument("--benchguard", type=Path, default=None,
                        help="run the benchguard package found in this directory")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    os.environ.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
                       "GIT_COMMITTER_NAME": "bench",
                       "GIT_COMMITTER_EMAIL": "bench@example.com",
                       "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1", "GOTOOLCHAIN": "local"})
    started = time.monotonic()
    trials: list[Trial] = []
    busy = hogs(args.hog)
    try:
        with tempfile.TemporaryDirectory(prefix="benchguard-false-blocks-") as scratch:
            repo = Path(scratch) / "repo"
            repo.mkdir()
            git(repo, "init", "-q", "-b", "main")
            git(repo, "config", "advice.detachedHead", "false")
            root = commit_files(repo, {
                "go.mod": "module example.com/rounds\n\ngo 1.21\n",
                "work/work.go": work_go(BASE_UNITS, "-"),
                "work/work_test.go": WORK_TEST_GO,
                "benchguard.toml": CONFIG.format(count=args.count, benchtime=args.benchtime),
            }, "initial")
            # the shared base of the checks against a stored baseline: a sibling of the fresh
            # bases, so its baseline is not their ancestor's (which would serve them)
            stored = commit_files(repo, {"STORED.txt": "stored\n"}, "stored base")
            if args.stored:
                proc = benchguard(repo, "baseline", stored, path=args.benchguard)
                if proc.returncode != 0:
                    raise SystemExit(f"benchguard baseline failed:\n{proc.stderr}")
            plan = [(kind, "side by side") for kind, total in
                    (("same", args.same), ("slower", args.slower), ("slower3x", args.slower3x))
                    for _ in range(total)]
            plan += [(kind, "stored baseline") for kind in UNITS for _ in range(args.stored)]
            # mixed, so the machine's mood over time hits every kind alike
            random.Random(args.seed).shuffle(plan)
            for number, (kind, mode) in enumerate(plan, start=1):
                base = stored
                git(repo, "checkout", "-q", "--detach", stored)
                if mode == "side by side":  # a base no baseline was ever stored for
                    git(repo, "checkout", "-q", "--detach", root)
                    base = commit_files(repo, {"NOTES.txt": f"trial {number}\n"},
                                        f"base {number}")
                head = commit_files(repo, {"work/work.go": work_go(UNITS[kind], str(number))},
                                    f"head {number}")
                trial = check(repo, base, head, kind, mode, args, raw_first=number % 2 == 0)
                trials.append(trial)
                blocked = [name for name, (verdict, *_) in trial.series.items()
                           if verdict == "regression"]
                verdict = "BLOCKED" if trial.blocked else "pass"
                print(f"{number:3d} {kind:8s} {mode:15s} {verdict:7s} {trial.status:10s} "
                      f"rounds={trial.rounds:2d} {trial.seconds:5.1f}s "
                      f"raw {trial.raw:4.1f}s ({trial.cost:.2f}×) load {trial.load} "
                      f"blocked {len(blocked)}/{len(trial.series)}", flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()

    print()
    for line in summary(trials):
        print(line)
    print(f"{len(trials)} checks in {time.monotonic() - started:.0f}s on {os.cpu_count()} cores, "
          f"count {args.count}, benchtime {args.benchtime}, {args.hog} busy loops"
          f"{'' if args.benchguard is None else f', benchguard from {args.benchguard}'}")
    if args.out is not None:
        args.out.write_text(json.dumps({"arguments": {k: str(v) for k, v in vars(args).items()},
                                        "trials": [asdict(t) for t in trials]}, indent=1),
                            encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
