"""What finding the culprit adds to a blocked push, and how often it names the right commit.

    python benchmarks/bisect_cost.py [--runs 5] [--commits 6] [--culprit 4]
                                     [--benchtime 2000x] [--metric sec/op|allocs/op]

Builds a throwaway Go module (one package, `Format`, whose loop runs 5 rounds over 4 KiB) and a
range of ``--commits`` commits on top of its base: commit 2 changes only docs, the others the
package, and commit ``--culprit`` makes Format do 20% more work (5 → 6 rounds; with
``--metric allocs/op`` each round also allocates, so allocs/op rises 20% too and is the one
metric decided). Then, ``--runs`` times, alternating, `benchguard check --base BASE` with and
without `--no-bisect` on a fresh copy of the notes (so neither reuses the other's results), and
prints per run: the wall time of each, whether the check blocked, the commit the search named
(and whether it was the right one), how many commits it measured, and what it cost over the
check alone. Threshold 5%, alpha 0.01, up to 60 rounds a side, budget 4m (as tests/test_culprit.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from check_speed import environment, git

FORMAT = """package fmtx

const rounds = {rounds}

var scratch []byte

func Format(data []byte) int {{
	n := 0
	for r := 0; r < rounds; r++ {{
		{scratch}
		for _, b := range data {{
			n ^= int(b) * 31
		}}
	}}
	return n
}}
{extra}
"""

BENCH = """package fmtx

import "testing"

var sink int

func BenchmarkFormat(b *testing.B) {
	data := make([]byte, 4096)
	for i := 0; i < b.N; i++ {
		sink = Format(data)
	}
}
"""

CONFIG = """count = {count}
benchtime = "{benchtime}"
threshold = "5%"
alpha = 0.01
max_count = 60
budget = "4m"
metrics = ["{metric}"]
"""


def build(root: Path, args: argparse.Namespace) -> tuple[str, list[str]]:
    """The module at its base, then the range; (base, the range's commits oldest first)."""
    scratch = "scratch = make([]byte, 64)" if args.metric == "allocs/op" else ""
    count = 3 if args.metric == "allocs/op" else 6
    files = {"go.mod": "module example.com/speed\n\ngo 1.21\n", "README.md": "# speed\n",
             "fmtx/fmtx.go": FORMAT.format(rounds=5, scratch=scratch, extra=""),
             "fmtx/fmtx_test.go": BENCH,
             "benchguard.toml": CONFIG.format(count=count, benchtime=args.benchtime,
                                              metric=args.metric)}
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "base", cwd=root)
    base = git("rev-parse", "HEAD", cwd=root)
    commits = []
    for number in range(1, args.commits + 1):
        if number == 2:
            (root / "README.md").write_text(f"# speed {number}\n", encoding="utf-8")
        else:
            rounds = 6 if number >= args.culprit else 5
            (root / "fmtx/fmtx.go").write_text(FORMAT.format(
                rounds=rounds, scratch=scratch, extra=f"const Change = {number}\n"),
                encoding="utf-8")
        git("commit", "-qam", f"change {number}", cwd=root)
        commits.append(git("rev-parse", "HEAD", cwd=root))
    return base, commits


def check(root: Path, base: str, env: dict[str, str], *bisect: str) -> tuple[float, Any]:
    git("update-ref", "-d", "refs/notes/benchguard", cwd=root)  # nothing stored from before
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "benchguard", "check", "--base", base,
                           "--format", "json", *bisect], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}):\n{proc.stderr}")
    return seconds, json.loads(proc.stdout)["checks"][0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=6)
    parser.add_argument("--culprit", type=int, default=4)
    parser.add_argument("--benchtime", default="2000x")
    parser.add_argument("--metric", choices=("sec/op", "allocs/op"), default="sec/op")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="benchguard-bisect-"))
    try:
        env = environment(scratch)
        root = scratch / "work"
        base, _ = build(root, args)
        print(f"{args.commits} commits, culprit {args.culprit}, {args.metric}, benchtime "
              f"{args.benchtime}")
        print("| run | check alone | check + search | blocked | named | commits measured |")
        print("|---|---|---|---|---|---|")
        extra = []
        for run in range(1, args.runs + 1):
            alone, _ = check(root, base, env, "--no-bisect")
            both, data = check(root, base, env)
            culprits = data.get("culprits") or {"results": [], "measured": 0}
            named = [(f"{result['commit']['position']}" if result["commit"] else result["found"])
                     + (f" ({len(result['undecided'])} before it undecided)"
                        if result["undecided"] else "")
                     for result in culprits["results"]]
            extra.append(both - alone)
            print(f"| {run} | {alone:.1f} s | {both:.1f} s | {data['status']} "
                  f"| {', '.join(map(str, named)) or '—'} | {culprits['measured']} |",
                  flush=True)
        print(f"\nmedian cost of the search: {statistics.median(extra):+.1f} s "
              f"(load average now {os.getloadavg()[0]:.1f})")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
