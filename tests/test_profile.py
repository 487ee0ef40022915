"""Profiles of a regression: which function got slower, from real CPU profiles of real Go code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, GO, make_project, slow_down

from benchguard.reports import profile

# Sum spends its time in two functions; the test makes one of them slower.
MODULE = {
    "go.mod": "module example.com/prof\n\ngo 1.21\n",
    "hashing/hash.go": """
        package hashing

        const rounds = 1

        //go:noinline
        func mix(h, v uint64) uint64 {
        	for r := 0; r < rounds; r++ {
        		h ^= v
        		h *= 1099511628211
        	}
        	return h
        }

        //go:noinline
        func finish(h uint64) uint64 {
        	for i := 0; i < 512; i++ {
        		h ^= h >> 13
        		h *= 0xff51afd7ed558ccd
        	}
        	return h
        }

        func Sum(data []byte) uint64 {
        	var h uint64 = 14695981039346656037
        	for _, b := range data {
        		h = mix(h, uint64(b))
        	}
        	return finish(h)
        }
    """,
    "hashing/hash_test.go": """
        package hashing

        import "testing"

        var sink uint64

        func BenchmarkSum(b *testing.B) {
        	data := make([]byte, 1024)
        	for i := 0; i < b.N; i++ {
        		sink = Sum(data)
        	}
        }
    """,
}
CONFIG = DEFAULT_CONFIG.split("[[bench]]")[0] + """
    [[bench]]
    paths = ["hashing/**"]
    package = "./hashing"
"""


def test_top_rows_of_a_pprof_diff_are_read_with_their_units() -> None:
    text = textwrap.dedent("""\
        Type: cpu
        Showing nodes accounting for 150ms, 22.39% of 670ms total
              flat  flat%   sum%        cum   cum%
            -200ms 29.85% 20.90%      140ms 20.90%  example.com/demo/hashing.Sum
             1.34s 50.75% 50.75%      1.34s 50.75%  example.com/demo/hashing.mix
              10ms  1.49% 1.5e-07%     10ms  1.49%  runtime.findRunnable (inline)
    """)
    rows = profile.parse_top(text)
    assert [(row.function, row.flat, row.flat_percent) for row in rows] == [
        ("example.com/demo/hashing.mix", 1.34, 50.75),
        ("runtime.findRunnable (inline)", 0.01, 1.49),
        ("example.com/demo/hashing.Sum", -0.2, -29.85)]
    assert profile.parse_top("      -1.5MB 12.00% 12.00%  -1.5MB 12.00%  bytes.Repeat")[0].flat \
        == -1.5 * 1024 ** 2


@pytest.mark.slow
def test_the_function_made_slower_tops_the_profile_diff(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    project = make_project(tmp_path, config=CONFIG, files=MODULE)
    slow_down(project.root, "hashing/hash.go", 12)
    head = project.commit("mix harder")

    proc = project.benchguard("profile", "^BenchmarkSum$", "--base", "HEAD~1",
                              "--benchtime", "0.3s", "--top", "3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("./hashing BenchmarkSum: CPU profile "), proc.stdout
    assert "(the same iterations on both sides)" in lines[0]
    assert lines[1].split()[-1] == "example.com/prof/hashing.mix", proc.stdout
    assert lines[1].split()[1].endswith("/op")  # per operation: both sides ran as many
    kept = project.root / ".benchguard" / "profiles" / head / "hashing" / "BenchmarkSum"
    assert {"base.cpu.prof", "head.cpu.prof", "base.mem.prof", "head.mem.prof",
            "diff.json"} <= {path.name for path in kept.iterdir()}
    assert project.sh("git status --porcelain").stdout == ""  # the profiles are ignored

    # check --profile profiles the regression it blocks on ...
    checked = project.benchguard("check", "--base", "HEAD~1", "--profile")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    after = checked.stdout.split("./hashing BenchmarkSum: CPU profile ")[1].splitlines()
    assert after[1].split()[-1] == "example.com/prof/hashing.mix", checked.stdout

    # ... and a report finds those profiles and names the function in its recommendation.
    report = project.benchguard("report", "--base", "HEAD~1")
    assert report.returncode == 0, report.stderr
    recommendation = report.stdout.split("### Recommendations")[1].split("###")[0]
    assert "**BenchmarkSum" in recommendation
    assert "grew most: `example.com/prof/hashing.mix`" in recommendation, recommendation
    assert "Look at what changed in `hashing.mix`" in recommendation
    assert "- [x] Profiles of the regressions kept in " in report.stdout
