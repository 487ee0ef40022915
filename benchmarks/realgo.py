"""Real Go code for the simulation figures (benchmarks/README.md, "Simulation"): modules copied
out of the module cache (`go mod download -json`, then copied and made writable), and this
project's calibration package for est-cycles' weights.

    from realgo import module, calibration
    root = module("github.com/cespare/xxhash/v2", into)   # a writable copy, its directory
    root = calibration(into)                                # example.com/calib
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

# stdlib-only modules with benchmarks: a hash (assembly and Go), a parser and formatter that
# allocate (UUIDs), and number formatting that allocates (humanize)
MODULES = {"xxhash": "github.com/cespare/xxhash/v2@v2.3.0",
           "uuid": "github.com/google/uuid@v1.6.0",
           "humanize": "github.com/dustin/go-humanize@v1.1.0"}


def git_identity() -> None:
    """A git identity and `main` as the first branch, for the repositories the scripts make
    (whatever this machine's git configuration says)."""
    os.environ.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
                       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
                       "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "init.defaultBranch",
                       "GIT_CONFIG_VALUE_0": "main"})


def module(name: str, into: Path) -> Path:
    """A writable copy of module ``name`` (a key of MODULES or a path@version) under ``into``."""
    wanted = MODULES.get(name, name)
    proc = subprocess.run(["go", "mod", "download", "-json", wanted], capture_output=True,
                          text=True, check=True)
    source = Path(json.loads(proc.stdout)["Dir"])
    target = into / name.replace("/", "_").replace("@", "_")
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    return target


CALIB_TEST = """// Package calib holds calibration benchmarks for est-cycles' weights: the same
// instruction stream over working sets of different sizes (cache misses vary, instructions
// do not), and one branch over sorted or shuffled data (mispredictions vary).
package calib

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

const accesses = 4096

var sink uint64

var sizes = []int{4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20}

// cycle returns a random cyclic permutation of n elements: next[i] is the element after i.
func cycle(n int) []uint32 {
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	next := make([]uint32, n)
	for i := range n {
		next[order[i]] = uint32(order[(i+1)%n])
	}
	return next
}

// BenchmarkChase: dependent loads (each address comes from the previous load).
func BenchmarkChase(b *testing.B) {
	for _, size := range sizes {
		next := cycle(size / 4)
		b.Run(fmt.Sprintf("size=%dK", size>>10), func(b *testing.B) {
			p := uint32(0)
			for b.Loop() {
				for range accesses {
					p = next[p]
				}
			}
			sink += uint64(p)
		})
	}
}

// BenchmarkRandom: independent loads at pseudo-random addresses (the CPU overlaps misses).
func BenchmarkRandom(b *testing.B) {
	for _, size := range sizes {
		data := make([]uint32, size/4)
		mask := uint32(len(data) - 1)
		b.Run(fmt.Sprintf("size=%dK", size>>10), func(b *testing.B) {
			var sum uint32
			x := uint32(1)
			for b.Loop() {
				for range accesses {
					x = x*1664525 + 1013904223
					sum += data[x&mask]
				}
			}
			sink += uint64(sum)
		})
	}
}

// BenchmarkSeq: sequential loads, 64 bytes apart (one per cache line; prefetchers help).
func BenchmarkSeq(b *testing.B) {
	for _, size := range sizes {
		data := make([]uint32, size/4)
		mask := len(data) - 1
		b.Run(fmt.Sprintf("size=%dK", size>>10), func(b *testing.B) {
			var sum uint32
			i := 0
			for b.Loop() {
				for range accesses {
					i = (i + 16) & mask
					sum += data[i]
				}
			}
			sink += uint64(sum)
		})
	}
}

// BenchmarkBranch: a data-dependent branch, predictable (sorted) or not (shuffled).
func BenchmarkBranch(b *testing.B) {
	data := make([]byte, accesses)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	sorted := slices.Clone(data)
	slices.Sort(sorted)
	for _, c := range []struct {
		name string
		data []byte
	}{{"sorted", sorted}, {"shuffled", data}} {
		b.Run(c.name, func(b *testing.B) {
			var n uint64
			for b.Loop() {
				for _, v := range c.data {
					if v >= 128 {
						n += uint64(v)
					} else {
						n ^= 1
					}
				}
			}
			sink += n
		})
	}
}
"""


def calibration(into: Path) -> Path:
    """The calibration package as a module of its own under ``into``."""
    root = into / "calib"
    root.mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/calib\n\ngo 1.22\n", encoding="utf-8")
    (root / "calib_test.go").write_text(CALIB_TEST, encoding="utf-8")
    return root
