"""Nothing skipped stays skipped (issue 22): what a push's time budget left unchecked is recorded
on the pushed commit, and the check that follows its commits — a push of them to the default
branch here, a pull request's in test_ci_shards.py — measures it first and says whose push left
it. Real repositories, real Go."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, GO_MODULE, Project, make_project
from test_check import checked

from benchguard import config as configuration
from benchguard.engine.benchmatch import pattern_for
from benchguard.push import leftover
from benchguard.push.selection import Selected, Selection
from benchguard.store.notes import NotesStore
from benchguard.store.records import unchecked_record
from benchguard.tools import modules

ZERO = "0" * 40


def pre_push(project: Project, ref: str, local: str, remote: str) -> str:
    proc = project.benchguard("check", "--pre-push", "origin", str(project.remote), "--format",
                              "json", input=f"{ref} {local} {ref} {remote}\n")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + "\n" + proc.stderr


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
@pytest.mark.slow
def test_a_push_to_the_default_branch_measures_first_what_its_commits_pushes_left(
        tmp_path: Path) -> None:
    project = make_project(tmp_path, config='budget = "1ms"\n' + DEFAULT_CONFIG)
    main = project.head()
    project.sh("git checkout -q -b feature")
    parse = project.root / "parse" / "parse.go"
    parse.write_text(parse.read_text(encoding="utf-8") + "\n// Fields counts commas.\n",
                     encoding="utf-8")
    feature = project.commit("document Fields")
    said = pre_push(project, "refs/heads/feature", feature, ZERO)
    assert "NOT checked" in said  # the budget let nothing start: recorded on the commit
    project.sh("git push -q origin feature")

    # Merged into main, with the budget raised; the push of main checks what was left.
    project.sh("git checkout -q main && git merge -q --no-ff --no-edit feature")
    (project.root / "benchguard.toml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    pushed = project.commit("raise the budget")
    proc = project.benchguard("check", "--pre-push", "origin", str(project.remote),
                              "--format", "json",
                              input=f"refs/heads/main {pushed} refs/heads/main {main}\n")

    assert proc.returncode == 0, proc.stderr
    check = checked(proc)
    assert check["status"] == "pass"
    first = check["selected"][0]
    assert (first["package"], first["left_unchecked_by"]) == ("./parse", feature)
    assert f"left unchecked by the push of {feature[:12]}" in first["reason"]
    assert f"measuring first what the push of {feature[:12]} left unchecked: ./parse" \
        in proc.stderr
    assert {b["package"] for b in check["benchmarks"]} == {"example.com/demo/parse"}


def test_what_pushes_left_is_read_newest_first_joined_and_cut_at_a_date(
        tmp_path: Path) -> None:
    project = make_project(tmp_path, config=DEFAULT_CONFIG, files=GO_MODULE)
    older = project.head()
    project.write({"README.md": "demo\n"})
    newer = project.commit("docs")
    store = NotesStore(project.root, "refs/notes/benchguard")

    def left(commit: str, date: str, *selections: tuple[str, str, list[str]]) -> None:
        record = unchecked_record(commit, budget="1m", user="dev@example.com", selections=[
            (package, pattern_for(names) if names else ".", [], f"{why} at {commit[:7]}", names)
            for package, why, names in selections])
        store.append(commit, [dataclasses.replace(record, date=date)])

    left(older, "2024-01-01T00:00:00Z", ("./parse", "not started", ["BenchmarkA"]),
         ("./hashing", "not started", []))
    left(newer, "2024-01-02T00:00:00Z", ("./parse", "measured in part", ["BenchmarkB"]),
         ("./gone", "not started", []))

    found = leftover.left_unchecked(store, [older, newer])

    by_package = {one.package: one for one in found}
    assert by_package["./parse"].commit == newer
    assert by_package["./parse"].pattern == pattern_for(["BenchmarkA", "BenchmarkB"])
    assert by_package["./parse"].reason == f"measured in part at {newer[:7]}"
    assert by_package["./hashing"].pattern == "." and by_package["./hashing"].commit == older
    cut = leftover.left_unchecked(store, [older, newer], until="2024-01-01T12:00:00Z")
    assert {(one.package, one.commit) for one in cut} == {("./parse", older),
                                                          ("./hashing", older)}

    # First in the selection: a selection of the package moves first, one of its own is added
    # for the others, and a package the head no longer has is said and left.
    config = configuration.parse(DEFAULT_CONFIG, filename="benchguard.toml")
    chosen = Selection((Selected("./hashing", "BenchmarkSum", (), "hashing/hash.go matched",
                                 config.benches[0], hops=0),), ("hashing/hash.go",))
    ordered, said = leftover.first(chosen, found, config, modules.at_commit(project.root, newer))

    assert [(s.package, s.hops, s.left_by) for s in ordered.selected] == [
        ("./parse", leftover.EARLIER, newer), ("./hashing", leftover.EARLIER, older)]
    assert ordered.selected[0].entry == config.benches[1]  # its [[bench]] entry's thresholds
    assert ordered.selected[1].pattern == "BenchmarkSum"  # the entry's own pattern kept
    assert any("the head no longer has ./gone: not measured" in line for line in said)
