"""benchguard decides which stored results a -bench pattern covers exactly as `go test` decides
which benchmarks to run: checked against real `go test -bench PATTERN` runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import GO, write

from benchguard.engine import benchfmt, benchmatch

TRICKY = {
    "go.mod": "module example.com/tricky\n\ngo 1.21\n",
    "tricky_test.go": """
        package tricky

        import "testing"

        func work(b *testing.B) {
        	for i := 0; i < b.N; i++ {
        	}
        }

        func BenchmarkSplit(b *testing.B)      { b.Run("small", work); b.Run("big", work) }
        func BenchmarkFields(b *testing.B) {
        	b.Run("small", work)
        	b.Run("big", work)
        	b.Run("big/inner", work)
        }
        func BenchmarkFieldsOnly(b *testing.B) { work(b) }
        func BenchmarkSpace(b *testing.B)      { b.Run("with space", work) }
        func BenchmarkPipe(b *testing.B)       { b.Run("a|b", work); b.Run("a", work) }
        func BenchmarkDeep(b *testing.B) {
        	b.Run("a", func(b *testing.B) { b.Run("x", work); b.Run("y", work) })
        	b.Run("b", work)
        }
    """,
}

PATTERNS = [
    ".",
    "Split|Fields/big",
    "Split/small|Fields",
    "Fields/big|Fields",  # the first matching alternative decides, even partly: not FieldsOnly
    "(Split|Fields)/big",
    "Fields/[a-z/]+",
    "Fields/big/inner",
    "Fields/big$",
    "Deep/a/x",
    "Deep/a",
    "Deep//y",
    "Space/with space",
    "Pipe/a\\|b",
    "Pipe/^a$",
    "^BenchmarkSplit$/^small$",
    "Split/(small)|Deep/b",
    "x]|Split",
    "Only$|Deep/b/",
]


def ran(root: Path, pattern: str) -> set[str]:
    proc = subprocess.run(["go", "test", "-run=^$", f"-bench={pattern}", "-benchtime=1x",
                           "-count=1", "."], cwd=root, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {key.bench.name for key in benchfmt.parse(proc.stdout).samples}


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GO is None:
        pytest.skip("go is not installed")
    root = tmp_path_factory.mktemp("tricky")
    write(root, TRICKY)
    return root


def test_the_names_a_pattern_covers_are_the_names_go_test_runs(tricky: Path) -> None:
    every = ran(tricky, ".")
    assert "BenchmarkFields/big/inner" in every and "BenchmarkSpace/with_space" in every
    for pattern in PATTERNS:
        expected = ran(tricky, pattern)
        assert {name for name in every if benchmatch.runs(pattern, name)} == expected, pattern


def test_a_top_level_bar_alternates_whole_level_lists() -> None:
    assert benchmatch.split_pattern("Split|Fields/big") == (("Split",), ("Fields", "big"))
    assert benchmatch.split_pattern("(Split|Fields)/big") == (("(Split|Fields)", "big"),)
    assert benchmatch.split_pattern("[/|]x/y") == (("[/|]x", "y"),)
    assert benchmatch.split_pattern("a\\/b|c") == (("a\\/b",), ("c",))
    assert benchmatch.split_pattern("with space") == (("with_space",),)
    assert benchmatch.runs("Split|Fields/big", "BenchmarkSplit/small")
    assert not benchmatch.runs("Split|Fields/big", "BenchmarkFields/small")


def test_a_pattern_for_some_names_runs_just_those(tricky: Path) -> None:
    every = sorted(ran(tricky, "."))
    for wanted in ({"BenchmarkSplit/small"}, {"BenchmarkFieldsOnly", "BenchmarkDeep/a/y"},
                   {"BenchmarkPipe/a|b", "BenchmarkSpace/with_space", "BenchmarkFields/small",
                    "BenchmarkSplit/big"},
                   {"BenchmarkFields/big", "BenchmarkDeep/b"}, set(every)):
        pattern = benchmatch.pattern_for(sorted(wanted))
        got = ran(tricky, pattern)
        assert got == {name for name in every if benchmatch.runs(pattern, name)}, pattern
        # Go cannot stop a pattern at a level: a b.Run name with a "/" in it runs too
        assert got - wanted <= {"BenchmarkFields/big/inner"} and wanted <= got, pattern
