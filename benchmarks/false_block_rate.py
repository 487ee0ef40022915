"""How often does `benchguard check` block a push that changed nothing, and how often does it
catch a real 10% slowdown, on this machine as it is (shared, loaded, throttling)?

    python benchmarks/false_block_rate.py [--same 50] [--slower 20] [--count 10]

Builds a Go module with one CPU-bound benchmark that also allocates (noisy under load), then runs
real checks with `benchguard check --base B --head H --format json`:

- A/A: the head only edits a comment, so both sides run the same code. Any block is false.
- slower: the head does 10% more work (110 passes over its buffer instead of 100).

Half of each kind measure a fresh base side by side with the head (no stored baseline); the
other half run against one shared base whose baseline was stored by `benchguard baseline` at
the start (minutes, not seconds, before: the drift confirmation exists for), so confirmation
runs whenever that stored baseline shows a regression. Prints one line per check, then the
false-block rate and the detection rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROUNDS = 100
SLOWER_ROUNDS = 110  # 10% more work

WORK_GO = """\
package work

// trial: {trial}

// rounds is how many passes Work makes over its buffer; 10% more rounds, 10% more time.
const rounds = {rounds}

var buffers [][]byte

// Work hashes a fresh buffer: the CPU-bound loop is what changes, the allocation (and with it
// the garbage collector) adds noise, as in real code.
func Work() uint64 {{
	buf := make([]byte, 1024)
	buffers = append(buffers[:0], buf)
	var h uint64 = 14695981039346656037
	for r := 0; r < rounds; r++ {{
		for _, b := range buf {{
			h ^= uint64(b) + uint64(r)
			h *= 1099511628211
		}}
	}}
	return h
}}
"""

WORK_TEST_GO = """\
package work

import "testing"

var sink uint64

func BenchmarkWork(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += Work()
	}
}
"""

CONFIG = """\
count = {count}
benchtime = "{benchtime}"
threshold = "5%"

[[bench]]
paths = ["work/**"]
package = "./work"
"""


@dataclass(frozen=True)
class Trial:
    kind: str  # "same" or "slower"
    mode: str  # "side by side" or "stored baseline"
    blocked: bool
    delta: float | None
    p: float | None
    rounds: int
    confirmed: str  # "" or the verdict side by side after the stored baseline showed a regression
    seconds: float


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


def benchguard(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchguard", *args], cwd=repo,
                          capture_output=True, text=True, check=False)


def check(repo: Path, base: str, head: str, kind: str, mode: str) -> Trial:
    started = time.monotonic()
    proc = benchguard(repo, "check", "--base", base, "--head", head, "--format", "json")
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchguard check failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    [entry] = [b for b in result["benchmarks"] if b["metric"] == "sec/op"]
    rounds = sum(r["rounds"] for r in result.get("rounds", {}).values())
    confirmed = ", ".join(c["fresh"]["verdict"] if c["fresh"] else "gone"
                          for c in result.get("confirmations", []))
    return Trial(kind, mode, proc.returncode == 1, entry["delta"], entry["p"], rounds,
                 confirmed, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--same", type=int, default=50, help="A/A checks (default 50)")
    parser.add_argument("--slower", type=int, default=20, help="10%% slowdowns (default 20)")
    parser.add_argument("--count", type=int, default=10, help="count per side (default 10)")
    parser.add_argument("--benchtime", default="500x")
    args = parser.parse_args()

    os.environ.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
                       "GIT_COMMITTER_NAME": "bench",
                       "GIT_COMMITTER_EMAIL": "bench@example.com",
                       "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1", "GOTOOLCHAIN": "local"})
    started = time.monotonic()
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory(prefix="benchguard-false-blocks-") as scratch:
        repo = Path(scratch) / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "advice.detachedHead", "false")
        root = commit_files(repo, {
            "go.mod": "module example.com/noisy\n\ngo 1.21\n",
            "work/work.go": WORK_GO.format(trial="-", rounds=ROUNDS),
            "work/work_test.go": WORK_TEST_GO,
            "benchguard.toml": CONFIG.format(count=args.count, benchtime=args.benchtime),
        }, "initial")
        stored = root
        proc = benchguard(repo, "baseline", stored)
        if proc.returncode != 0:
            raise SystemExit(f"benchguard baseline failed:\n{proc.stderr}")

        plan = [(kind, mode) for kind, total in (("same", args.same), ("slower", args.slower))
                for mode in ("side by side", "stored baseline") for _ in range(total // 2)]
        plan += [("same", "side by side")] * (args.same % 2)
        plan += [("slower", "side by side")] * (args.slower % 2)
        # mixed, so the machine's mood over time hits every kind alike
        random.Random(5).shuffle(plan)
        for number, (kind, mode) in enumerate(plan, start=1):
            git(repo, "checkout", "-q", "--detach", root)
            base = stored
            if mode == "side by side":  # a base no baseline was ever stored for
                base = commit_files(repo, {"NOTES.txt": f"trial {number}\n"}, f"base {number}")
            git(repo, "checkout", "-q", "--detach", base)
            rounds = SLOWER_ROUNDS if kind == "slower" else ROUNDS
            head = commit_files(repo, {"work/work.go": WORK_GO.format(trial=number,
                                                                      rounds=rounds)},
                                f"head {number}")
            trial = check(repo, base, head, kind, mode)
            trials.append(trial)
            delta = "?" if trial.delta is None else f"{trial.delta * 100:+6.1f}%"
            p = "?" if trial.p is None else f"{trial.p:.3f}"
            confirmed = f", confirmation: {trial.confirmed}" if trial.confirmed else ""
            print(f"{number:3d} {kind:6s} {mode:15s} {'BLOCKED' if trial.blocked else 'pass':7s}"
                  f" sec/op {delta} p={p} rounds={trial.rounds}{confirmed} "
                  f"({trial.seconds:.1f}s)", flush=True)

    print()
    for kind, label in (("same", "false blocks in A/A checks"),
                        ("slower", "10% slowdowns blocked")):
        mine = [t for t in trials if t.kind == kind]
        blocked = sum(t.blocked for t in mine)
        by_mode = ", ".join(
            f"{sum(t.blocked for t in mine if t.mode == mode)} of "
            f"{sum(1 for t in mine if t.mode == mode)} {mode}"
            for mode in ("side by side", "stored baseline"))
        print(f"{label}: {blocked} of {len(mine)} ({by_mode})")
    confirmations = [t for t in trials if t.confirmed]
    print(f"confirmations run: {len(confirmations)} "
          f"({sum(1 for t in confirmations if t.kind == 'same')} on A/A checks)")
    same = sorted(abs(t.delta) for t in trials if t.kind == "same" and t.delta is not None)
    if same:
        print(f"A/A sec/op changes: median {same[len(same) // 2] * 100:.1f}%, "
              f"largest {same[-1] * 100:.1f}%")
    load = os.getloadavg()
    print(f"{len(trials)} checks in {time.monotonic() - started:.0f}s on {os.cpu_count()} cores "
          f"(load average now {load[0]:.2f})")
    print(textwrap.fill(
        "A check blocks when a metric is worse by more than 5% with Holm-adjusted p <= 0.05 "
        "measured side by side; against a stored baseline only if confirmed side by side.",
        width=100))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
