"""Which commit, in CI (issue 21): the pull-request comment names the commit of each regression,
and a merge's baseline says the change points its results reveal in the default branch's
history. docs/ci.md's own workflow, run against a real repository (tests/test_ci.py)."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Iterator
from pathlib import Path

import ci_events
import fake_github
import pytest
import workflow_runner
from conftest import GO, Project, make_project
from fake_github import TOKEN, FakeGitHub
from test_culprit import ALLOCATING, EXACT_CONFIG, spread_push
from workflow_runner import Runner

from benchguard.engine import benchfmt
from benchguard.store import notes
from benchguard.tools import go

COMBINED = workflow_runner.documented()[".github/workflows/benchguard.yml"]


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


@pytest.fixture
def allocating(tmp_path: Path) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    return make_project(tmp_path / "project", config=EXACT_CONFIG,
                        files={name: textwrap.dedent(text).lstrip("\n")
                               for name, text in ALLOCATING.items()})


@pytest.fixture
def runner(tmp_path: Path, github_api: FakeGitHub, allocating: Project) -> Runner:
    return Runner(tmp_path / "actions", allocating.remote, github_api.url, TOKEN)


@pytest.mark.slow
def test_the_pull_request_comment_names_the_commits_of_its_regression(
        allocating: Project, github_api: FakeGitHub, runner: Runner) -> None:
    base = allocating.head()
    allocating.sh("git checkout -q -b faster")
    pushed = spread_push(allocating)
    head = pushed[-1]
    allocating.sh(f"git checkout -q --detach {base} && git merge -q --no-ff --no-edit {head}")
    merge = allocating.head()
    allocating.sh(f"git push -q origin {head}:refs/pull/9/head {merge}:refs/pull/9/merge")

    job = runner.run(COMBINED, "check", event_name="pull_request",
                     event=ci_events.pull_request(9, base, head), sha=merge,
                     ref="refs/pull/9/merge")

    assert job.failed, job.log
    [comment] = github_api.ours(9)
    body = comment["body"]
    assert "**Which commit (6 pushed commits, first-parent;" in body
    assert "allocs/op`: spread over 3 steps, each below the 5% threshold, together +9.3%" in body
    for number in (2, 3, 4):
        assert f"  - {number}/6 {pushed[number - 1][:12]} 'change {number}' (Test Author " \
               f"&lt;author@\u200bexample.com&gt;): +3.0%" in body, body
    assert "Which commit" in job.summary


def record_history(project: Project, values: list[float]) -> list[str]:
    """One docs commit per value on main, each with a baseline of BenchmarkFill at that sec/op
    (six samples, 1% noise) on this machine, pushed with the notes; the commits' ids."""
    key = benchfmt.SeriesKey(benchfmt.BenchKey("example.com/alloc/pool", "BenchmarkFill", 2),
                             "allocs/op")
    machine = go.fingerprint(project.root)
    store = notes.NotesStore(project.root, "refs/notes/benchguard")
    rng = random.Random(5)
    shas = []
    for number, value in enumerate(values):
        project.write({"README.md": f"# alloc {number}\n"})
        sha = project.commit(f"docs {number}")
        samples = benchfmt.BenchmarkSet(samples={key: [value * (1 + rng.gauss(0, 0.01))
                                                       for _ in range(6)]})
        store.append(sha, [notes.baseline_record(sha, machine, {"count": 3,
                                                                "benchtime": "200x"}, samples)])
        shas.append(sha)
    project.sh("git push -q origin main refs/notes/benchguard")
    return shas


@pytest.mark.slow
def test_a_merge_that_completes_a_new_level_reports_the_change_point(
        allocating: Project, runner: Runner) -> None:
    # Fill makes 1000 allocations; the history before the merge: five commits at 800 (an
    # earlier version), then four at 1000. Four are too few for a level of their own; the
    # merge's own 1000 makes the fifth, and the point at the first of them appears.
    shas = record_history(allocating, [800.0] * 5 + [1000.0] * 4)
    before = allocating.head()
    allocating.write({"README.md": "# alloc, merged\n"})
    merged = allocating.commit("Merge pull request #7")
    allocating.sh("git push -q origin main")

    job = runner.run(COMBINED, "baseline", event_name="push",
                     event=ci_events.push(before, merged), sha=merged, ref="refs/heads/main")

    assert not job.failed, job.log
    step = job.step("benchguard/benchguard")
    assert "#### New change points" in job.summary
    lines = [one for one in job.summary.splitlines() if "◆ change point" in one]
    assert len(lines) == 1, job.summary
    [line] = lines
    assert f"`{shas[5][:12]}`" in line and "allocs/op" in line
    assert "warning: new change point: example.com/alloc/pool.BenchmarkFill-2 allocs/op" \
        in step.stderr
    change = float(line.split("◆ change point +")[1].split("%")[0])
    assert 23 < change < 27  # 800 → 1000
