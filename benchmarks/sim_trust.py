"""Trust: real `benchguard check` runs under simulation against a stored simulated baseline —
how often it blocks a push that changed nothing (A/A), how many 2% slowdowns it blocks with
`thresholds = { "est-cycles/op" = "1%" }`, and how many 3× slowdowns at the default threshold
(benchmarks/README.md, "Simulation").

    python benchmarks/sim_trust.py [--same 50] [--slower 10] [--slower3x 5]
                                   [--out benchmarks/data/sim-trust.json]

The module (written here, stdlib only) has a hash loop, table-driven sub-benchmarks of a few ns,
an encoder and a parser that allocate, and a sort of a copied slice. Each function has a knob that
adds work in its loop; the script first simulates the module with the knobs at 0 and at 1,000 to
learn what one unit costs, and sets them for a +2.2% est-cycles/op slowdown (the few-ns
sub-benchmarks cannot be slowed by 2%: one instruction is 7% of them; they are slowed only 3×).
A baseline is recorded once (`benchguard baseline --instrument simulation`); every check is a
commit on top of it — a comment (A/A), the 2% knobs, or every loop run three times — checked with
`benchguard check --base BASE --format json`. What each check's est-cycles/op changes are and
whether they block is counted per result.
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
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

KNOBS = ("hashExtra", "encodeExtra", "parseExtra", "sortExtra")
BENCHMARKS = {"hashExtra": "BenchmarkHash", "encodeExtra": "BenchmarkEncode",
              "parseExtra": "BenchmarkParse", "sortExtra": "BenchmarkSort"}

WORK = """package work

import (
	"sort"
	"strconv"
	"strings"
)

var spin uint64

func extra(n int) {
	for i := 0; i < n; i++ {
		spin ^= uint64(i) * 0x9e3779b97f4a7c15
	}
}

// Hash is FNV-1a over data, times rounds.
func Hash(data []byte) uint64 {
	h := uint64(14695981039346656037)
	for r := 0; r < rounds; r++ {
		for _, b := range data {
			h ^= uint64(b)
			h *= 1099511628211
		}
	}
	extra(hashExtra)
	return h
}

// Clamp is a few nanoseconds of work.
func Clamp(x, lo, hi int) int {
	for r := 1; r < rounds; r++ {
		x ^= r
	}
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

type Record struct {
	ID    int
	Name  string
	Score float64
	Tags  []string
}

// Encode writes r as JSON into a new buffer.
func Encode(r Record) []byte {
	var out []byte
	for k := 0; k < rounds; k++ {
		out = make([]byte, 0, 128)
		out = append(out, `{"id":`...)
		out = strconv.AppendInt(out, int64(r.ID), 10)
		out = append(out, `,"name":`...)
		out = strconv.AppendQuote(out, r.Name)
		out = append(out, `,"score":`...)
		out = strconv.AppendFloat(out, r.Score, 'g', -1, 64)
		out = append(out, `,"tags":[`...)
		for i, tag := range r.Tags {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendQuote(out, tag)
		}
		out = append(out, "]}"...)
	}
	extra(encodeExtra)
	return out
}

// Parse reads comma-separated integers.
func Parse(s string) (sum int) {
	for k := 0; k < rounds; k++ {
		sum = 0
		for _, field := range strings.Split(s, ",") {
			n, err := strconv.Atoi(field)
			if err == nil {
				sum += n
			}
		}
	}
	extra(parseExtra)
	return sum
}

// Sorted returns a sorted copy of values.
func Sorted(values []int) []int {
	var out []int
	for k := 0; k < rounds; k++ {
		out = append([]int(nil), values...)
		sort.Ints(out)
	}
	extra(sortExtra)
	return out
}
"""

WORK_TEST = """package work

import (
	"fmt"
	"strings"
	"testing"
)

var sink uint64

func BenchmarkHash(b *testing.B) {
	data := make([]byte, 4096)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += Hash(data)
	}
}

func BenchmarkClamp(b *testing.B) {
	for _, c := range []struct{ x, lo, hi int }{{-5, 0, 10}, {5, 0, 10}, {50, 0, 10}} {
		b.Run(fmt.Sprintf("x=%d", c.x), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += uint64(Clamp(c.x+i&1, c.lo, c.hi))
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	r := Record{ID: 12345, Name: "benchguard \\"sim\\"", Score: 0.125, Tags: []string{"a", "bb"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink += uint64(len(Encode(r)))
	}
}

func BenchmarkParse(b *testing.B) {
	fields := make([]string, 64)
	for i := range fields {
		fields[i] = fmt.Sprint(i * 37)
	}
	s := strings.Join(fields, ",")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += uint64(Parse(s))
	}
}

func BenchmarkSort(b *testing.B) {
	values := make([]int, 256)
	for i := range values {
		values[i] = (i * 7919) % 256
	}
	for b.Loop() {
		sink += uint64(len(Sorted(values)))
	}
}
"""


def knobs_file(values: dict[str, int], rounds: int = 1, comment: int = 0) -> str:
    lines = [f"const {name} = {values.get(name, 0)}" for name in KNOBS]
    return (f"package work\n\n// revision {comment}\n\nconst rounds = {rounds}\n\n"
            + "\n".join(lines) + "\n")


CONFIG = """instrument = "simulation"
thresholds = {{ "est-cycles/op" = "{threshold}" }}

[[bench]]
paths = ["work/**"]
package = "./work"
"""


@dataclass
class Checked:
    """One check: what it took, its exit status, and each est-cycles/op result."""

    kind: str  # "same", "slower" (2%), "slower3x"
    seconds: float
    exit: int
    results: dict[str, tuple[float, str]]  # name -> (change, verdict)
    load: float
    medians: dict[str, tuple[float, float]]  # name -> est-cycles/op of base and head


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def benchguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "benchguard", *args], cwd, check=False)


def repository(root: Path) -> str:
    (root / "work").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/trust\n\ngo 1.22\n", encoding="utf-8")
    (root / "work" / "work.go").write_text(WORK, encoding="utf-8")
    (root / "work" / "work_test.go").write_text(WORK_TEST, encoding="utf-8")
    (root / "work" / "knobs.go").write_text(knobs_file({}), encoding="utf-8")
    (root / "benchguard.toml").write_text(CONFIG.format(threshold="1%"), encoding="utf-8")
    run(["git", "init", "-q"], root)
    return commit(root, "base")


def commit(root: Path, message: str) -> str:
    run(["git", "add", "-A"], root)
    run(["git", "-c", "user.name=trust", "-c", "user.email=trust@example.com", "commit", "-q",
         "-m", message], root)
    return run(["git", "rev-parse", "HEAD"], root).stdout.strip()


def check(root: Path, base: str, kind: str, knobs: str, threshold: str = "1%") -> Checked:
    """A commit on top of ``base`` whose knobs.go is ``knobs``, checked against it."""
    run(["git", "checkout", "-q", "--detach", base], root)
    (root / "work" / "knobs.go").write_text(knobs, encoding="utf-8")
    (root / "benchguard.toml").write_text(CONFIG.format(threshold=threshold), encoding="utf-8")
    commit(root, kind)
    began = time.monotonic()
    proc = benchguard("check", "--base", base, "--format", "json", cwd=root)
    seconds = time.monotonic() - began
    if not proc.stdout.strip().startswith("{"):
        raise SystemExit(f"benchguard check failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    [found] = json.loads(proc.stdout)["checks"]
    results = {entry["name"]: (float(entry["delta"]), str(entry["verdict"]))
               for entry in found["benchmarks"] if entry["metric"] == "est-cycles/op"}
    medians = {entry["name"]: (entry["base"]["median"], entry["head"]["median"])
               for entry in found["benchmarks"] if entry["metric"] == "est-cycles/op"}
    return Checked(kind, seconds, proc.returncode, results, os.getloadavg()[0], medians)


def calibrate(root: Path, base: str) -> dict[str, int]:
    """Knob values for a +2.2% est-cycles/op slowdown of each knobbed benchmark."""
    unit = 1000
    found = check(root, base, "calibrate", knobs_file(dict.fromkeys(KNOBS, unit)))
    medians = found.medians
    knobs = {}
    for knob, name in BENCHMARKS.items():
        before, after = medians[name]
        per_unit = (after - before) / unit
        knobs[knob] = max(1, round(0.022 * before / per_unit))
        print(f"{name}: {before:.1f} est-cycles/op, {per_unit:.2f} per knob unit: "
              f"knob {knobs[knob]} for +2.2%", flush=True)
    return knobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--same", type=int, default=50)
    parser.add_argument("--slower", type=int, default=10)
    parser.add_argument("--slower3x", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    checks: list[Checked] = []
    with tempfile.TemporaryDirectory(prefix="sim-trust-") as tmp:
        root = Path(tmp) / "repo"
        base = repository(root)
        proc = benchguard("baseline", cwd=root)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr)
        knobs = calibrate(root, base)
        for kind, count in (("same", args.same), ("slower", args.slower),
                            ("slower3x", args.slower3x)):
            for i in range(count):
                text = knobs_file({} if kind != "slower" else knobs,
                                  rounds=3 if kind == "slower3x" else 1, comment=i + 1)
                one = check(root, base, kind, text, "5%" if kind == "slower3x" else "1%")
                checks.append(one)
                print(f"{kind} {i + 1}/{count}: exit {one.exit} in {one.seconds:.1f}s",
                      flush=True)
    summarize(checks)
    if args.out:
        args.out.write_text(json.dumps({"knobs": knobs, "checks": [
            {"kind": one.kind, "seconds": one.seconds, "exit": one.exit, "load": one.load,
             "results": one.results} for one in checks]}, indent=1), encoding="utf-8")


def summarize(checks: list[Checked]) -> None:
    def results(kind: str, names: Collection[str] = ()) -> list[tuple[float, str]]:
        return [result for one in checks if one.kind == kind
                for name, result in one.results.items() if not names or name in names]

    same = results("same")
    false = sum(1 for _, verdict in same if verdict == "regression")
    aa = [one for one in checks if one.kind == "same"]
    worst = max((abs(delta) for delta, _ in same), default=0.0)
    print(f"\nA/A (thresholds est-cycles/op 1%): {len(aa)} checks, "
          f"{sum(1 for one in aa if one.exit == 1)} blocked; {len(same)} est-cycles/op results, "
          f"{false} false blocks; largest |change| {worst:.3%}")
    slower = results("slower", BENCHMARKS.values())
    if slower:
        deltas = [delta for delta, _ in slower]
        print(f"2% slowdowns (thresholds est-cycles/op 1%): "
              f"{sum(1 for _, verdict in slower if verdict == 'regression')} of {len(slower)} "
              f"blocked; their changes {min(deltas):+.2%} to {max(deltas):+.2%}")
    tripled = results("slower3x")
    if tripled:
        deltas = [delta for delta, _ in tripled]
        print(f"3x slowdowns (threshold 5%): "
              f"{sum(1 for _, verdict in tripled if verdict == 'regression')} of {len(tripled)} "
              f"blocked; changes {min(deltas):+.0%} to {max(deltas):+.0%}")
    loads = [one.load for one in checks]
    print(f"each check {statistics.median(one.seconds for one in checks):.1f}s (median); load "
          f"average {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
