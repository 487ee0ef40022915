"""Record real interleaved rounds of a realistic Go module, for replaying decision rules offline.

    python benchmarks/record_rounds.py [--sessions 10] [--rounds 30] [--benchtime 50ms]
                                       [--out benchmarks/data/rounds-NAME.json]

Builds a Go module in a temporary directory with one ~µs benchmark and table-driven
sub-benchmarks of a few ns to a few hundred ns (allocating and not; 12 benchmarks, 37
(benchmark, metric) comparisons). Each session copies it four times — the base, an A/A head
(only a comment differs), a head doing 11 instead of 10 units of work (~10% slower) and one doing
30 (3×) — builds one test binary per copy with `go test -c`, times one raw `go test -count 6` of
the base as a user would run it, then runs `--rounds` rounds: each round runs every binary once
(`-test.count=1`) in a shuffled order, as benchguard's side-by-side measuring does. The three
heads share the base's rounds, so each session is one A/A check, one 10% and one 3× check.

The JSON keeps every round's values per (benchmark, metric) and side (a list, or one number
when every round gave it), the order each round ran in, each run's wall time and the load
average, so the replay can price a rule in rounds and seconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchguard.engine.benchfmt import parse
from benchguard.tools import machine

SIDES = {"base": 10, "same": 10, "slower10": 11, "slower3x": 30}  # side -> units of work

WORK_GO = """\
package work

// session {session}, side {side}

// units is how much work every function does per call: 10 on the base, 11 for a ~10%
// slowdown, 30 for 3x.
const units = {units}

const hexDigits = "0123456789abcdef"

// Shift runs n*units cheap shift-add steps, a dependency chain of ~2 cycles each.
func Shift(x uint64, n int) uint64 {{
	for i := 0; i < n*units; i++ {{
		x += x >> 3
	}}
	return x
}}

// Mix runs n*units multiply-xorshift steps (~4 cycles each).
func Mix(x uint64, n int) uint64 {{
	for i := 0; i < n*units; i++ {{
		x ^= x >> 29
		x *= 0xbf58476d1ce4e5b9
	}}
	return x
}}

// Sum adds the bytes of buf, units times over.
func Sum(buf []byte) uint64 {{
	var s uint64
	for r := 0; r < units; r++ {{
		for _, b := range buf {{
			s += uint64(b) ^ uint64(r)
		}}
	}}
	return s
}}

// Encode hex-encodes src into a fresh buffer, units times over: one allocation.
func Encode(src []byte) []byte {{
	dst := make([]byte, 0, 2*len(src))
	for r := 0; r < units; r++ {{
		dst = dst[:0]
		for _, b := range src {{
			dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
		}}
	}}
	return dst
}}

// ParseInts reads space-separated decimal numbers into a fresh slice, units times over.
func ParseInts(s string) []int {{
	out := make([]int, 0, 32)
	for r := 0; r < units; r++ {{
		out = out[:0]
		n, in := 0, false
		for i := 0; i < len(s); i++ {{
			c := s[i]
			if c >= '0' && c <= '9' {{
				n, in = n*10+int(c-'0'), true
			}} else if in {{
				out = append(out, n)
				n, in = 0, false
			}}
		}}
		if in {{
			out = append(out, n)
		}}
	}}
	return out
}}

// Checksum copies src into a fresh 1 KiB buffer and FNV-hashes its first 200 bytes units
// times: ~2 µs on the base.
func Checksum(src []byte) uint64 {{
	buf := make([]byte, 1024)
	copy(buf, src)
	var h uint64 = 14695981039346656037
	for r := 0; r < units; r++ {{
		for _, b := range buf[:200] {{
			h ^= uint64(b) + uint64(r)
			h *= 1099511628211
		}}
	}}
	Keep = buf
	return h
}}

// Keep makes the buffers escape, so they are real heap allocations.
var Keep []byte
"""

WORK_TEST_GO = """\
package work

import (
	"fmt"
	"strings"
	"testing"
)

var sink uint64
var sinkBytes []byte
var sinkInts []int

func BenchmarkShift(b *testing.B) {
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += Shift(uint64(i), n)
			}
		})
	}
}

func BenchmarkMix(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += Mix(uint64(i), n)
			}
		})
	}
}

func BenchmarkSum(b *testing.B) {
	for _, size := range []int{8, 64} {
		buf := make([]byte, size)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		b.Run(fmt.Sprintf("len=%d", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += Sum(buf)
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, size := range []int{16, 64} {
		src := make([]byte, size)
		for i := range src {
			src[i] = byte(i * 13)
		}
		b.Run(fmt.Sprintf("len=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkBytes = Encode(src)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, fields := range []int{8, 32} {
		parts := make([]string, fields)
		for i := range parts {
			parts[i] = fmt.Sprint(i * 977)
		}
		line := strings.Join(parts, " ")
		b.Run(fmt.Sprintf("fields=%d", fields), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkInts = ParseInts(line)
			}
		})
	}
}

func BenchmarkChecksum1K(b *testing.B) {
	src := make([]byte, 1024)
	for i := range src {
		src[i] = byte(i)
	}
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		sink += Checksum(src)
	}
}
"""


def write_side(root: Path, side: str, session: int) -> Path:
    tree = root / side
    (tree / "work").mkdir(parents=True)
    (tree / "go.mod").write_text("module example.com/rounds\n\ngo 1.21\n", encoding="utf-8")
    (tree / "work" / "work.go").write_text(
        WORK_GO.format(session=session, side=side, units=SIDES[side]), encoding="utf-8")
    (tree / "work" / "work_test.go").write_text(WORK_TEST_GO, encoding="utf-8")
    return tree


def go(args: list[str], cwd: Path) -> tuple[str, float]:
    started = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout, seconds


def rounded(value: float) -> float:
    return float(f"{value:.6g}")


def load_now() -> float | None:
    load = machine.load_average()
    return None if load is None else round(load[0], 2)


def record_session(number: int, rounds: int, benchtime: str, rng: random.Random
                   ) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="benchguard-rounds-") as scratch:
        root = Path(scratch)
        started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        load = machine.load_average()
        trees = {side: write_side(root, side, number) for side in SIDES}
        build_seconds: dict[str, float] = {}
        binaries: dict[str, Path] = {}
        for side, tree in trees.items():
            binary = root / f"{side}.test"
            _, seconds = go(["go", "test", "-c", "-vet=off", "-o", str(binary), "./work"], tree)
            build_seconds[side] = round(seconds, 3)
            binaries[side] = binary
        # what a user pays for the head alone: `go test` at count 6 (its build included)
        _, raw_seconds = go(["go", "test", "-vet=off", "-run", "^$", "-bench", ".", "-count", "6",
                             f"-benchtime={benchtime}", "-benchmem", "./work"], trees["same"])
        series: dict[str, dict[str, list[float | None]]] = {}
        round_log = []
        for index in range(rounds):
            order = list(SIDES)
            rng.shuffle(order)
            wall: dict[str, float] = {}
            for side in order:
                out, took = go([str(binaries[side]), "-test.run=^$", "-test.bench=.",
                                "-test.count=1", f"-test.benchtime={benchtime}",
                                "-test.benchmem"], trees[side] / "work")
                wall[side] = round(took, 3)
                measured = parse(out, source=f"{side} round {index + 1}")
                for key, values in measured.samples.items():
                    name = f"{key.bench.label}|{key.unit}"
                    sides = series.setdefault(name, {s: [None] * rounds for s in SIDES})
                    sides[side][index] = rounded(values[0])
            round_log.append({"order": order, "seconds": wall, "load": load_now()})
            print(f"session {number} round {index + 1}/{rounds} "
                  f"(load {round_log[-1]['load']}): {', '.join(order)}", file=sys.stderr,
                  flush=True)
    return {"started": started, "load": None if load is None else [round(x, 2) for x in load],
            "build_seconds": build_seconds, "raw_head_seconds": round(raw_seconds, 3),
            "raw_head_count": 6, "rounds": round_log,
            "series": {name: {side: compact(values) for side, values in sides.items()}
                       for name, sides in series.items()}}


def compact(values: list[float | None]) -> float | list[float | None]:
    """One number when every round gave it (B/op, allocs/op), else the list."""
    first = values[0]
    if first is not None and all(value == first for value in values):
        return first
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--benchtime", default="50ms")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--note", default="", help="what the machine was doing")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if shutil.which("go") is None:
        raise SystemExit("go is not on PATH")
    os.environ["GOTOOLCHAIN"] = "local"
    rng = random.Random(args.seed)
    go_version, _ = go(["go", "env", "GOVERSION"], Path.cwd())
    document: dict[str, Any] = {
        "version": 1, "benchtime": args.benchtime, "go": go_version.strip(),
        "cpu": machine.cpu_name(), "cores": machine.cores(), "gomaxprocs": machine.gomaxprocs(),
        "note": args.note, "sides": SIDES, "higher_is_better": ["B/s"], "sessions": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for number in range(1, args.sessions + 1):
        document["sessions"].append(record_session(number, args.rounds, args.benchtime, rng))
        # written after every session, so an interrupted recording keeps what it has
        partial = args.out.with_suffix(".partial")
        partial.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
        partial.replace(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
