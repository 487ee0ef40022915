"""Change points in history (issue 21): `history` marks where a benchmark's level moved, names the
commit and the size of the change with its interval, tells a drift from a step and never marks a
spike; `report` lists those of its last commits. Histories are written into real notes of real
commits, their values recorded elsewhere (benchmarks/data) or drawn with a fixed seed."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import benchguard, sh

from benchguard.engine import benchfmt
from benchguard.store import notes
from benchguard.tools import go

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"
MACHINE = go.Fingerprint("linux", "amd64", "Test CPU", "go1.26.0", 2)
KEY = benchfmt.BenchKey("example.com/demo/hashing", "BenchmarkSum", 2)


def write_history(repo: Path, values: list[list[float]],
                  allocs: Callable[[int], float] = lambda _: 3.0,
                  machine: go.Fingerprint = MACHINE) -> list[str]:
    """One commit per entry of ``values`` (oldest first), each with a baseline of those sec/op
    samples (and ``allocs(i)`` allocs/op) measured on ``machine``; the commits' ids."""
    repo.mkdir(parents=True, exist_ok=True)
    sh("git init -q", cwd=repo)
    script = "\n".join(f"git commit -q --allow-empty -m 'change {i}'"
                       for i in range(len(values)))
    sh(script, cwd=repo)
    shas = sh("git rev-list --reverse HEAD", cwd=repo).stdout.split()
    store = notes.NotesStore(repo, "refs/notes/benchguard")
    for i, (sha, samples) in enumerate(zip(shas, values, strict=True)):
        stored = benchfmt.BenchmarkSet(samples={
            benchfmt.SeriesKey(KEY, "sec/op"): samples,
            benchfmt.SeriesKey(KEY, "allocs/op"): [allocs(i)] * len(samples)})
        store.append(sha, [notes.baseline_record(sha, machine, {"count": len(samples)},
                                                 stored)])
    return shas


def drawn(levels: list[float], noise: float, seed: int = 0) -> list[list[float]]:
    """Six samples a commit around each level (in seconds), Gaussian noise of ``noise``."""
    rng = random.Random(seed)
    return [[level * 1e-9 * (1 + rng.gauss(0, noise)) for _ in range(6)] for level in levels]


def recorded(side: str, benchmark: str = "BenchmarkSum/len=64-2|sec/op") -> list[list[float]]:
    """Real runs of one benchmark on the project's 2-core machine (record_rounds.py, a quiet
    spell), six a commit as a check with count 6 keeps them, in the order they ran; from the
    26th such commit on (before it, one whole session ran ~20% slow: the machine's own step)."""
    data = json.loads((DATA / "rounds-quiet-1.json").read_text(encoding="utf-8"))
    runs = [value for session in data["sessions"] for value in session["series"][benchmark][side]]
    return [runs[i:i + 6] for i in range(0, len(runs) - 5, 6)][25:]


def history_json(repo: Path, *args: str) -> Any:
    proc = benchguard("history", "Sum", "--any-machine", "--format", "json", *args, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_history_marks_the_commit_of_a_step_with_its_size_and_not_a_spike(
        tmp_path: Path) -> None:
    levels = [100.0] * 40
    levels[12] = 300.0  # one slow commit: a spike
    levels[25:] = [120.0] * 15  # +20% from commit 25 on
    shas = write_history(tmp_path / "repo", drawn(levels, 0.02))

    data = history_json(tmp_path / "repo", "--limit", "40")

    [point] = data["change_points"]
    assert point["commit"] == shas[25] and point["subject"] == "change 25"
    assert point["change"] == pytest.approx(0.2, abs=0.02)
    low, high = point["interval"]
    assert low < 0.2 < high and low > 0.1
    assert point["drift"] is False and point["p"] <= 0.01
    rows = {row["commit"]: row for row in data["rows"]}
    assert rows[shas[25]]["change_point"]["change"] == point["change"]
    assert rows[shas[12]]["change_point"] is None  # the spike
    assert rows[shas[12]]["step"] is True  # today's step mark does see it

    text = benchguard("history", "Sum", "--any-machine", "--limit", "40", cwd=tmp_path / "repo")
    lines = text.stdout.splitlines()
    [marks] = [line for line in lines if line.endswith("← change points")]
    assert marks.index("|") == 2 + 25 and marks.count("|") == 1
    [row] = [line for line in lines if line.startswith(f"  {shas[25][:12]}")]
    assert re.search(r"◆ change point \+(19|20)\.\d% \(95% interval \+1\d\.\d% to "
                     r"\+2\d\.\d%\)", row)

    chart = benchguard("history", "Sum", "--any-machine", "--limit", "40", "--plot", "c.svg",
                       cwd=tmp_path / "repo")
    assert chart.returncode == 0, chart.stderr
    svg = (tmp_path / "repo" / "c.svg").read_text(encoding="utf-8")
    assert svg.count('stroke-dasharray="5,4"') == 1 and "◆ +" in svg
    assert f"change point at {shas[25][:12]}" in svg


def test_history_finds_a_point_shown_near_its_start_from_the_commits_before_it(
        tmp_path: Path) -> None:
    # the last 8 commits are shown; the step 3 commits before the end of them needs the
    # commits before the window to be found at all
    levels = [100.0] * 60 + [110.0] * 5
    shas = write_history(tmp_path / "repo", drawn(levels, 0.01))

    data = history_json(tmp_path / "repo", "--limit", "8")

    assert len(data["rows"]) == 8
    assert [point["commit"] for point in data["change_points"]] == [shas[60]]


def test_a_slow_drift_is_shown_as_drift_not_as_one_commits_change(tmp_path: Path) -> None:
    levels = [100 * (1 + 0.2 * i / 79) for i in range(80)]
    write_history(tmp_path / "repo", drawn(levels, 0.005, seed=3))

    data = history_json(tmp_path / "repo", "--limit", "80")

    points = data["change_points"]
    assert len(points) >= 3
    assert sum(point["drift"] for point in points) >= 0.8 * len(points)
    text = benchguard("history", "Sum", "--any-machine", "--limit", "80", cwd=tmp_path / "repo")
    assert "← change points (~: drift)" in text.stdout
    assert "≈ drift, a slice of +" in text.stdout


def test_a_recorded_history_has_its_point_at_the_slower_build_not_at_a_spike_nor_on_a_plateau(
        tmp_path: Path) -> None:
    # real noise: the machine's runs minutes and sessions apart; from commit 30 on, the runs of
    # the build ~8% slower measured beside them
    base, slower, slowest = recorded("base"), recorded("slower10"), recorded("slower3x")
    shas = write_history(tmp_path / "step", base[:30] + slower[30:])
    [point] = history_json(tmp_path / "step", "--limit", "50")["change_points"]
    assert point["commit"] == shas[30]
    assert 0.05 < point["change"] < 0.15 and point["interval"][0] > 0

    write_history(tmp_path / "plateau", base)
    assert history_json(tmp_path / "plateau", "--limit", "50")["change_points"] == []
    spiked = [*base[:12], slowest[12], *base[13:]]  # one commit of the 3× slower build
    write_history(tmp_path / "spike", spiked)
    data = history_json(tmp_path / "spike", "--limit", "50")
    assert data["change_points"] == []
    assert sum(row["step"] for row in data["rows"]) >= 1


def test_one_more_allocation_is_a_change_point_at_its_commit(tmp_path: Path) -> None:
    shas = write_history(tmp_path / "repo", drawn([100.0] * 12, 0.02),
                         allocs=lambda i: 3.0 if i < 6 else 4.0)

    data = history_json(tmp_path / "repo", "--metric", "allocs/op")

    [point] = data["change_points"]
    assert point["commit"] == shas[6]
    assert point["change"] == point["interval"][0] == point["interval"][1] == pytest.approx(1 / 3)
    assert (point["before"], point["after"]) == (3.0, 4.0)


def test_report_lists_the_change_points_of_its_last_commits(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("go is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()  # go env, for this machine's fingerprint, runs in it
    levels = [100.0] * 20 + [130.0] * 10 + [100.0] * 10  # +30%, back down 10 commits later
    shas = write_history(repo, drawn(levels, 0.01), machine=go.fingerprint(repo))

    proc = benchguard("report", "--base", "HEAD~1", "--format", "json", "--last", "15",
                      cwd=repo)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)["change_points"]
    assert [(point["commit"], point["metric"]) for point in listed] == [(shas[30], "sec/op")]
    assert listed[0]["change"] == pytest.approx(-0.23, abs=0.03)

    markdown = benchguard("report", "--base", "HEAD~1", "--last", "25", cwd=repo).stdout
    assert "### Change points in the last 25 commits" in markdown
    assert markdown.count("◆ change point") == 2 and f"`{shas[20][:12]}`" in markdown
