"""`check` decides each benchmark with as few rounds as the evidence allows, end to end: real git,
real Go, real `benchguard check`, on rounds whose numbers the test controls.

Each benchmark of the module below reports, through `b.ReportMetric`, the next of a fixed list of
values for its ns/op, B/op and allocs/op: run i (counted per side, in a file beside the run) of
base and head reports the i-th value of its list. So a check sees exactly the rounds the test
wrote — an improvement, an A/A, a borderline and a 3× regression, a sub-nanosecond change, one
allocation more — and what it decides from them is pinned without any timing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import GO, Project, make_project

# a run's own wobble, and the head's (another order: per-round ratios vary by a few %)
JITTER = [1.00, 1.02, 0.99, 1.03, 0.98, 1.01, 1.00, 0.97, 1.02, 0.99, 1.01, 0.98]
HEAD_JITTER = [0.99, 1.01, 1.03, 0.98, 1.00, 1.02, 0.97, 1.01, 0.99, 1.02, 0.98, 1.00]

# benchmark -> (base ns/op, head ns/op); every benchmark reports B/op 0 and allocs/op 30, but
# Allocs's head allocates one more
CASES = {
    "Improve": (100.0, 80.0),
    "Same": (250.0, 250.0),
    "Borderline": (100.0, 103.5),  # settles after 14 rounds
    "Slower3x": (100.0, 300.0),
    "SubNanosecond": (0.4, 0.5),  # +25%, a tenth of a nanosecond
    "Allocs": (500.0, 500.0),
}

REPLAY_GO = """\
package replay

import (
	"os"
	"strconv"
	"testing"
)

// run reports the next of values: which run of this benchmark this is, counted in a file in
// the working directory (each side's own worktree), picks it.
func run(b *testing.B, name string, ns []float64, allocs float64) {
	file := ".runs-" + name
	seen, _ := os.ReadFile(file)
	turn, _ := strconv.Atoi(string(seen))
	if err := os.WriteFile(file, []byte(strconv.Itoa(turn+1)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ns[turn%len(ns)], "ns/op")
	b.ReportMetric(0, "B/op")
	b.ReportMetric(allocs, "allocs/op")
}
"""


def replay_test_go(side: str) -> str:
    jitter = JITTER if side == "base" else HEAD_JITTER
    lines = ["package replay", "", 'import "testing"', ""]
    for name, sides in CASES.items():
        centre = sides[0] if side == "base" else sides[1]
        values = ", ".join(f"{centre * wobble:.6g}" for wobble in jitter)
        allocs = 31 if side == "head" and name == "Allocs" else 30
        lines.append(f"func Benchmark{name}(b *testing.B) {{ run(b, {name!r}, "
                     f"[]float64{{{values}}}, {allocs}) }}".replace("'", '"'))
    return "\n".join(lines) + "\n"


CONFIG = """\
count = 6
max_count = 30
benchtime = "1x"
threshold = "5%"
notes_ref = "refs/notes/{notes}"
{extra}
[[bench]]
paths = ["replay/**"]
package = "./replay"
"""


@pytest.fixture(scope="module")
def checked(module_root: Path) -> dict[str, Any]:
    """One repository, its head measured against its base twice: with min_effect and a 0%
    allocs/op threshold ("tuned"), and without ("plain")."""
    if GO is None:
        pytest.skip("go is not installed")
    root = module_root
    tuned = CONFIG.format(notes="tuned", extra='min_effect = { "sec/op" = "2ns" }\n'
                                              'thresholds = { "allocs/op" = "0%" }\n')
    project = make_project(root, config=tuned, files={
        "go.mod": "module example.com/replay\n\ngo 1.21\n",
        "replay/replay.go": REPLAY_GO, "replay/replay_test.go": replay_test_go("base")})
    base = project.head()
    project.write({"replay/replay_test.go": replay_test_go("head")})
    head = project.commit("new numbers")
    plain = root / "plain.toml"
    plain.write_text(CONFIG.format(notes="plain", extra=""), encoding="utf-8")
    return {"tuned": check(project, base, head),
            "plain": check(project, base, head, "--config", str(plain)),
            "project": project, "base": base, "head": head}


def check(project: Project, base: str, head: str, *args: str) -> dict[str, Any]:
    proc = project.benchguard(*args, "check", "--base", base, "--head", head,
                              "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    [result] = json.loads(proc.stdout)["checks"]
    result["stderr"] = proc.stderr
    result["returncode"] = proc.returncode
    return dict(result)


def entry(result: dict[str, Any], name: str, metric: str = "sec/op") -> dict[str, Any]:
    [found] = [b for b in result["benchmarks"]
               if b["name"] == f"Benchmark{name}" and b["metric"] == metric]
    return dict(found)


def decided_at(result: dict[str, Any], name: str, metric: str = "sec/op") -> int:
    decided = result["rounds"]["./replay"]["decided"]
    [round_] = [at for label, at in decided.items()
                if label.startswith(f"Benchmark{name}-") and label.endswith(f" {metric}")]
    return int(round_)


@pytest.mark.slow
def test_an_improvement_gets_no_extra_round(checked: dict[str, Any]) -> None:
    improve = entry(checked["tuned"], "Improve")
    assert (improve["verdict"], improve["decision"]["state"]) == ("improvement", "settled")
    assert decided_at(checked["tuned"], "Improve") == 6
    assert improve["head"]["n"] == 6


@pytest.mark.slow
def test_a_clear_aa_settles_at_the_first_look(checked: dict[str, Any]) -> None:
    same = entry(checked["tuned"], "Same")
    assert (same["verdict"], same["decision"]["state"]) == ("same", "settled")
    assert same["decision"]["why"] == "within threshold"
    assert decided_at(checked["tuned"], "Same") == 6 and same["base"]["n"] == 6


@pytest.mark.slow
def test_a_borderline_regression_gets_more_rounds_of_only_its_benchmark(
    checked: dict[str, Any],
) -> None:
    result = checked["tuned"]
    borderline = entry(result, "Borderline")
    assert 6 < decided_at(result, "Borderline") <= 14
    assert borderline["base"]["n"] == borderline["head"]["n"] == decided_at(result, "Borderline")
    assert (borderline["decision"]["state"], borderline["decision"]["why"]) == (
        "settled", "within threshold")
    rounds = result["rounds"]["./replay"]
    assert rounds["rounds"] == borderline["base"]["n"] and rounds["extra"] == rounds["rounds"] - 6
    # the extra rounds ran only BenchmarkBorderline: every other benchmark ran 6 times a side
    others = [b for b in result["benchmarks"] if b["name"] != "BenchmarkBorderline"]
    assert {(b["base"]["n"], b["head"]["n"]) for b in others} == {(6, 6)}
    assert ("round 7/30 (undecided: example.com/replay/replay.BenchmarkBorderline-"
            in result["stderr"])
    assert rounds["seconds"]["base"]["extra"] > 0


@pytest.mark.slow
def test_a_3x_regression_blocks_at_the_first_look(checked: dict[str, Any]) -> None:
    slower = entry(checked["tuned"], "Slower3x")
    assert (slower["verdict"], slower["decision"]["state"]) == ("regression", "block")
    assert decided_at(checked["tuned"], "Slower3x") == 6
    assert slower["decision"]["p"] <= slower["decision"]["level"]
    assert slower["decision"]["change"] == pytest.approx(2.0, abs=0.1)
    assert checked["tuned"]["returncode"] == 1


@pytest.mark.slow
def test_a_sub_nanosecond_change_below_min_effect_passes(checked: dict[str, Any]) -> None:
    tuned, plain = entry(checked["tuned"], "SubNanosecond"), entry(checked["plain"],
                                                                    "SubNanosecond")
    assert tuned["delta"] == pytest.approx(0.25, abs=0.05)
    assert (tuned["verdict"], tuned["decision"]["why"]) == ("same", "below min_effect")
    assert (plain["verdict"], plain["decision"]["state"]) == ("regression", "block")


@pytest.mark.slow
def test_a_0_percent_allocs_threshold_blocks_one_more_allocation(
    checked: dict[str, Any],
) -> None:
    tuned = entry(checked["tuned"], "Allocs", "allocs/op")
    plain = entry(checked["plain"], "Allocs", "allocs/op")
    assert (tuned["base"]["median"], tuned["head"]["median"]) == (30, 31)
    assert (tuned["verdict"], tuned["threshold"], tuned["decision"]["method"]) == (
        "regression", 0.0, "exact")
    assert (plain["verdict"], plain["threshold"]) == ("same", 0.05)  # +3.3%, within 5%
    # the other benchmarks keep the 5% threshold for their allocs/op and sec/op
    assert entry(checked["tuned"], "Same", "sec/op")["threshold"] == 0.05


@pytest.mark.slow
def test_the_check_says_how_its_verdicts_were_reached_and_what_they_cost(
    checked: dict[str, Any],
) -> None:
    result = checked["tuned"]
    assert result["correction"] == {"method": "holm", "comparisons": 6}  # the sec/op results
    rounds = result["rounds"]["./replay"]
    assert rounds["measure"] == "side by side"
    assert rounds["seconds"]["head"]["rounds"] == rounds["rounds"]
    assert rounds["seconds"]["head"]["build"] > 0 and rounds["seconds"]["head"]["run"] > 0
    assert len(rounds["decided"]) == 3 * len(CASES)

    # Again, now against the base measured side by side above (stored in the notes): the head
    # alone, and side by side only what the stored baseline leaves open.
    project: Project = checked["project"]
    proc = project.benchguard("check", "--base", checked["base"], "--head", checked["head"])
    assert proc.returncode == 1, proc.stderr
    assert ("verdicts: paired 20%-trimmed t on per-round log ratios, α = 0.05 spent over looks "
            "at rounds 6, 8, …, 30, Holm over 6 results; against a stored baseline "
            "Mann–Whitney on log values") in proc.stdout
    assert "measuring them side by side to confirm (confirm = true)" in proc.stderr
    table = proc.stdout[proc.stdout.index("regressions blocking the push:"):]
    assert "BenchmarkSlower3x-" in table and "interval +" in table
    assert "example.com/replay/replay.BenchmarkAllocs-" in table and "exact" in table
