"""The merge job reads files other jobs wrote — jobs that ran the pull request's code — so it reads
them strictly (issue 22): regular files only, not too deep, of one check, in the shape benchguard
writes; what fails is one line and exit 2, and nothing is merged. Also the split: the same
inputs give the same parts, of about equal weight."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import ci_events
import pytest
from conftest import Project, make_project

from benchguard.ci import shard_file
from benchguard.ci.environment import Provider, PullRequest
from benchguard.ci.shard_file import Digests, ShardBody, ShardStatus
from benchguard.ci.shard_merge import belonging
from benchguard.config import Config
from benchguard.errors import BenchguardError
from benchguard.push import parts
from benchguard.push.parts import Shard
from benchguard.push.plan import How, Source, Step
from benchguard.push.runner import RunSpec

BASE, HEAD = "1" * 40, "2" * 40
REQUEST = PullRequest(Provider.GITHUB, 7, BASE, HEAD)
CONFIG = parts.config_digest(Config(path=None))


def write(directory: Path, number: int, count: int = 2, *, request: PullRequest = REQUEST,
          status: ShardStatus = ShardStatus.SETTLED, config: str = CONFIG,
          split: str = parts.digest(None), body: dict[str, Any] | None = None) -> Path:
    return shard_file.write(directory, Shard(number, count), request, Digests(config, split),
                            status=status, message="no benchmarks affected", body=body)


def refused(directory: Path) -> str:
    with pytest.raises(BenchguardError) as caught:
        belonging(shard_file.gather(directory), REQUEST, CONFIG, directory)
    assert caught.value.exit_code == 2
    assert "\n" not in caught.value.message
    return caught.value.message


def test_the_parts_are_found_in_the_folder_or_one_below_and_a_missing_one_is_named(
        tmp_path: Path) -> None:
    tmp_path = tmp_path / "parts"
    write(tmp_path / "benchguard-shard-1", 1, 3)
    write(tmp_path, 3, 3)
    write(tmp_path / "a" / "b", 2, 3)  # two folders down: not looked at
    (tmp_path / "notes.txt").write_text("an artifact may hold other files", encoding="utf-8")

    gathered = belonging(shard_file.gather(tmp_path), REQUEST, CONFIG, tmp_path)

    assert [one.shard.number for one in gathered.ran] == [1, 3]
    assert gathered.missing == [2] and gathered.count == 3


def test_a_part_that_is_not_a_regular_file_is_refused_without_being_opened(
        tmp_path: Path) -> None:
    (tmp_path / "pipe").mkdir()
    os.mkfifo(tmp_path / "pipe" / "benchguard-shard-1-of-2.json")  # opening it would block
    assert "not a regular file" in refused(tmp_path / "pipe")

    outside = write(tmp_path / "elsewhere", 1)
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / "benchguard-shard-1-of-2.json").symlink_to(outside)
    assert "not a regular file" in refused(tmp_path / "link")


@pytest.mark.parametrize(("change", "said"), [
    ({"head": "3" * 40}, "not this run's pull request #7"),
    ({"pull_request": 8}, "checked #8"),
    ({"config": "sha256:" + "0" * 64}, "another configuration"),
    ({"shards": 3}, "its name another"),
    ({"base": "not a commit"}, "base is not a commit id"),
    ({"status": "passed"}, "status is not one of"),
    ({"version": 2}, "not version 1"),
    ({"extra": 1, "body": []}, "body must be an object"),
])
def test_a_part_of_another_run_or_not_of_benchguards_shape_is_refused(
        tmp_path: Path, change: dict[str, Any], said: str) -> None:
    tmp_path = tmp_path / "parts"
    path = write(tmp_path, 1)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, **change}), encoding="utf-8")

    message = refused(tmp_path)

    assert said in message, message
    assert message.endswith(("not merged", "(nothing merged)")), message


def test_nested_json_too_large_a_file_and_two_parts_of_one_shard_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "parts"
    path = write(tmp_path, 1)
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "not JSON" in refused(tmp_path)

    write(tmp_path, 1)
    monkeypatch.setattr(shard_file, "LARGEST", 100)
    assert "larger than 100 bytes" in refused(tmp_path)
    monkeypatch.undo()

    write(tmp_path / "a", 1)
    write(tmp_path / "b", 1)
    assert "two results of shard 1/2" in refused(tmp_path)


def test_a_failed_attempt_gives_way_to_the_shard_that_ran_again(tmp_path: Path) -> None:
    tmp_path = tmp_path / "parts"
    write(tmp_path / "attempt-1", 1, status=ShardStatus.FAILED, config=parts.digest(None))
    write(tmp_path / "attempt-2", 1)
    write(tmp_path, 2, status=ShardStatus.FAILED, config=parts.digest(None))

    gathered = belonging(shard_file.gather(tmp_path), REQUEST, CONFIG, tmp_path)

    assert [(one.shard.number, one.status) for one in gathered.ran] == [(1, "settled")]
    assert [one.shard.number for one in gathered.failed] == [2] and gathered.not_run == 1


def test_shards_that_split_the_check_otherwise_are_refused(tmp_path: Path) -> None:
    tmp_path = tmp_path / "parts"
    write(tmp_path, 1, split=parts.digest({"parts": [[0], [1]]}))
    write(tmp_path, 2, split=parts.digest({"parts": [[1], [0]]}))
    assert "split the check otherwise" in refused(tmp_path)


def test_a_measured_part_whose_record_is_not_benchguards_says_which_field(
        tmp_path: Path) -> None:
    tmp_path = tmp_path / "parts"
    specs = [{"package": "./a", "pattern": ".", "tags": [], "module": "."}]
    body = {"specs": specs, "whole": 1, "parts": [[0], []], "selection": {
        "selected": [], "changed": [], "warnings": [], "uncovered": [], "failed": []},
        "steps": [], "available": None, "family": 1, "record": {
            "alone": None, "side_by_side": {"sides": ["base", "head"], "binaries": [
                {"side": "head", "spec": 0, "built": True, "build": 1.0, "runs": [
                    {"round": 1, "pattern": ".", "seconds": 0.1,
                     "samples": [{"package": "example.com/a", "name": "BenchmarkX",
                                  "procs": 1, "unit": "sec/op", "values": [1e-9, "NaN"]}],
                     "higher_is_better": {}}]}], "leaves": [], "load": None},
            "first": {"unchecked": [], "left_out": [], "cut": [], "failures": []},
            "final": {"unchecked": [], "left_out": [], "cut": [], "failures": []},
            "packages": {}, "stored": {"samples": [], "mine": [], "elsewhere": [], "at": []},
            "simulated": [], "timed": []}}
    write(tmp_path, 1, status=ShardStatus.MEASURED, body=body)
    [found] = shard_file.gather(tmp_path)

    with pytest.raises(BenchguardError) as caught:
        ShardBody.read(found, Config(path=None))

    assert "values of BenchmarkX sec/op must be finite numbers" in caught.value.message
    assert caught.value.exit_code == 2


def test_the_same_inputs_split_alike_into_parts_of_about_equal_weight() -> None:
    order = [RunSpec(f"./p{number}") for number in range(12)]
    weights = {spec: float(1 + number % 5) for number, spec in enumerate(order)}

    split = parts.split(order, weights, 3)

    assert split == parts.split(list(order), dict(reversed(weights.items())), 3)
    assert sorted(s.package for part in split for s in part) == sorted(s.package for s in order)
    loads = [sum(weights[spec] for spec in part) for part in split]
    assert max(loads) - min(loads) <= max(weights.values())
    for part in split:  # each part keeps the plan's order of relevance
        assert list(part) == sorted(part, key=order.index)


@pytest.mark.parametrize("given", ["3", "0/2", "3/2", "a/b", "1/300", "2/3/4"])
def test_a_shard_is_k_of_n(given: str) -> None:
    with pytest.raises(BenchguardError) as caught:
        Shard.parse(given)
    assert caught.value.exit_code == 2


def test_the_merge_refuses_a_forged_part_in_one_line_and_reports_why(
        project: Project, tmp_path: Path) -> None:
    base = project.head()
    project.write({"README.md": "demo\n"})
    head = project.commit("docs")
    project.sh("git push -q origin main")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(ci_events.pull_request(5, base, head)), encoding="utf-8")
    forged = PullRequest(Provider.GITHUB, 5, base, "f" * 40)
    write(tmp_path / "parts", 1, 1, request=forged)
    summary = tmp_path / "summary.md"

    proc = project.benchguard("ci", "--merge", str(tmp_path / "parts"), env={
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "octo/demo",
        "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path)})

    assert proc.returncode == 2, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert "not this run's pull request #5" in line and line.endswith("not merged")
    assert "could not merge the shards of pull request #5" in summary.read_text(
        encoding="utf-8")


def test_a_check_no_run_timed_splits_by_how_many_benchmarks_each_selection_runs(
        tmp_path: Path) -> None:
    project = make_project(tmp_path, config=None, files={
        "go.mod": "module example.com/m\n\ngo 1.21\n",
        "a/a_test.go": """
            package a

            import "testing"

            func BenchmarkOne(b *testing.B)   {}
            func BenchmarkTwo(b *testing.B)   {}
            func BenchmarkThree(b *testing.B) {}
            func helper(b *testing.B)         {}
        """,
        "a/deeper/d_test.go": "package deeper\n\nimport \"testing\"\n\n"
                              "func BenchmarkDeep(b *testing.B) {}\n",
        "root_test.go": "package m\n\nimport \"testing\"\n\nfunc BenchmarkRoot(b *testing.B) {}\n",
    })
    specs = [RunSpec("./a"), RunSpec("./a", "One|Two"), RunSpec("./a/deeper"), RunSpec(".")]

    counts = parts.benchmark_counts(project.root, project.head(), specs)

    assert [counts[spec] for spec in specs] == [3, 2, 1, 1]
    steps = [Step(spec, "", Source.NONE, How.SIDE_BY_SIDE) for spec in specs]
    weights = parts.weights(steps, [], count=6, benchtime="1s", until=None, benchmarks=counts)
    assert [weights[spec] for spec in specs] == [3.0, 2.0, 1.0, 1.0]
