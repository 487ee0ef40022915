"""A Go repository of the kinds 0.1 let regressions through: a nested module, an assembly
routine in a package without benchmarks, sub-benchmarks under an alternation pattern, a
package built two ways by build tags, an embedded file. Each can be slowed down 3x."""

from __future__ import annotations

from pathlib import Path

from conftest import THRESHOLD, Project, make_project

GO_MOD = "module example.com/mono\n\ngo 1.21\n"

FILES: dict[str, str] = {
    "go.mod": GO_MOD,
    "README.md": "# mono\n",
    # asm: no benchmarks of its own; hashing calls it, digest calls hashing
    "asm/work.go": """
        package asm

        // Work adds up n, n-1, …, 1 (scale times as many on amd64, in assembly).
        func Work(n uint64) uint64 { return work(n) }
    """,
    "asm/work_amd64.go": """
        package asm

        //go:noescape
        func work(n uint64) uint64
    """,
    "asm/work_amd64.s": """
        #include "textflag.h"

        // func work(n uint64) uint64
        TEXT ·work(SB), NOSPLIT, $0-16
        	MOVQ n+0(FP), CX
        	IMULQ $1, CX
        	XORQ AX, AX
        loop:
        	CMPQ CX, $0
        	JEQ done
        	ADDQ CX, AX
        	DECQ CX
        	JMP loop
        done:
        	MOVQ AX, ret+8(FP)
        	RET
    """,
    "asm/work_other.go": """
        //go:build !amd64

        package asm

        func work(n uint64) uint64 {
        	var sum uint64
        	for ; n > 0; n-- {
        		sum += n
        	}
        	return sum
        }
    """,
    "hashing/hash.go": """
        package hashing

        import "example.com/mono/asm"

        func Sum(data []byte) uint64 { return asm.Work(uint64(len(data))) }
    """,
    "hashing/hash_test.go": """
        package hashing

        import "testing"

        var sink uint64

        func BenchmarkSum(b *testing.B) {
        	data := make([]byte, 4096)
        	for i := 0; i < b.N; i++ {
        		sink = Sum(data)
        	}
        }
    """,
    "hashing/ignored.go": "//go:build ignore\n\npackage hashing\n",
    "digest/digest.go": """
        package digest

        import "example.com/mono/hashing"

        func Digest(data []byte) uint64 { return hashing.Sum(data) + 1 }
    """,
    "digest/extra.go": "package digest\n\nconst Extra = 1\n",
    "digest/digest_test.go": """
        package digest

        import "testing"

        var sink uint64

        func BenchmarkDigest(b *testing.B) {
        	data := make([]byte, 64)
        	for i := 0; i < b.N; i++ {
        		sink = Digest(data)
        	}
        }
    """,
    "cmd/app/main.go": "package main\n\nfunc main() {}\n",
    # textx: its entry's pattern is "Split|Fields/big"
    "textx/text.go": """
        package textx

        const smallRounds = 1

        func count(s string, rounds int) int {
        	n := 0
        	for r := 0; r < rounds; r++ {
        		for i := 0; i < len(s); i++ {
        			if s[i] == ',' {
        				n++
        			}
        		}
        	}
        	return n
        }

        func SplitSmall(s string) int { return count(s, smallRounds) }
        func SplitBig(s string) int   { return count(s, 1) }
        func Fields(s string) int     { return count(s, 1) }
    """,
    "textx/text_test.go": """
        package textx

        import (
        	"strings"
        	"testing"
        )

        var sink int

        func BenchmarkSplit(b *testing.B) {
        	s := strings.Repeat("a,b,", 1024)
        	b.Run("small", func(b *testing.B) {
        		for i := 0; i < b.N; i++ {
        			sink = SplitSmall(s)
        		}
        	})
        	b.Run("big", func(b *testing.B) {
        		for i := 0; i < b.N; i++ {
        			sink = SplitBig(s)
        		}
        	})
        }

        func BenchmarkFields(b *testing.B) {
        	s := strings.Repeat("a,b,", 1024)
        	for _, size := range []string{"small", "big"} {
        		b.Run(size, func(b *testing.B) {
        			for i := 0; i < b.N; i++ {
        				sink = Fields(s)
        			}
        		})
        	}
        }
    """,
    # fastpath: one package, two builds
    "fastpath/loop.go": """
        package fastpath

        func loop(data []byte, rounds int) int {
        	n := 0
        	for r := 0; r < rounds; r++ {
        		for _, b := range data {
        			n += int(b)
        		}
        	}
        	return n
        }
    """,
    "fastpath/impl_fast.go": """
        //go:build fast

        package fastpath

        const rounds = 1

        func Impl(data []byte) int { return loop(data, rounds) }
    """,
    "fastpath/impl_plain.go": """
        //go:build !fast

        package fastpath

        func Impl(data []byte) int { return loop(data, 1) }
    """,
    "fastpath/impl_test.go": """
        package fastpath

        import "testing"

        var sink int

        func BenchmarkImpl(b *testing.B) {
        	data := make([]byte, 4096)
        	for i := 0; i < b.N; i++ {
        		sink = Impl(data)
        	}
        }
    """,
    # web: a benchmark over an embedded file
    "web/web.go": """
        package web

        import _ "embed"

        //go:embed page.html
        var page string

        func Size() int { return len(page) }
    """,
    "web/page.html": "<p>hello</p>\n",
    "web/web_test.go": """
        package web

        import "testing"

        var sink int

        func BenchmarkSize(b *testing.B) {
        	for i := 0; i < b.N; i++ {
        		sink = Size()
        	}
        }
    """,
    # a module of its own below the root
    "tools/go.mod": "module example.com/mono/tools\n\ngo 1.21\n",
    "tools/go.sum": "",
    "tools/fmtx/fmtx.go": """
        package fmtx

        const rounds = 1

        func Format(data []byte) int {
        	n := 0
        	for r := 0; r < rounds; r++ {
        		for _, b := range data {
        			n ^= int(b) * 31
        		}
        	}
        	return n
        }
    """,
    "tools/fmtx/fmtx_test.go": """
        package fmtx

        import "testing"

        var sink int

        func BenchmarkFormat(b *testing.B) {
        	data := make([]byte, 4096)
        	for i := 0; i < b.N; i++ {
        		sink = Format(data)
        	}
        }
    """,
}

CONFIG = f"""
    count = 6
    benchtime = "2000x"
    threshold = "{THRESHOLD}"
    timeout = "2m"

    [[bench]]
    paths = ["textx/**"]
    package = "./textx"
    pattern = "Split|Fields/big"

    [[bench]]
    paths = ["fastpath/**"]
    package = "./fastpath"

    [[bench]]
    paths = ["fastpath/**"]
    package = "./fastpath"
    tags = ["fast"]
"""

# The assembly file's loop count: IMULQ $1 -> $3 makes Work (and so Sum) 3x slower.
ASSEMBLY = "asm/work_amd64.s"


def slow_assembly(root: Path, factor: int) -> None:
    path = root / ASSEMBLY
    path.write_text(path.read_text(encoding="utf-8").replace("IMULQ $1, CX",
                                                            f"IMULQ ${factor}, CX"),
                    encoding="utf-8")


def make(base: Path, *, config: str | None = CONFIG, extra: dict[str, str] | None = None
         ) -> Project:
    return make_project(base, config=config, files={**FILES, **(extra or {})})
