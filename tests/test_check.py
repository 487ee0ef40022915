"""`benchguard check` end to end: real repositories, a bare remote, real Go, real pushes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, THRESHOLD, Project, fake_go, slow_down

from benchguard.store import overrides
from benchguard.store.notes import NotesStore

LENIENT_CONFIG = DEFAULT_CONFIG.replace(f'threshold = "{THRESHOLD}"', 'threshold = "60%"')


def said(proc: subprocess.CompletedProcess[str]) -> str:
    """What the user saw: git passes a hook's stdout and stderr through."""
    return proc.stdout + proc.stderr


def checked(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one pushed branch's check in `check --format json`."""
    document = json.loads(proc.stdout)
    assert document["version"] == 1
    [check] = document["checks"]
    assert document["status"] == check["status"]
    return dict(check)


def notes(project: Project, commit: str) -> str:
    return project.sh(f"git notes --ref benchguard show {commit}", check=False).stdout


@pytest.mark.slow
def test_a_push_that_makes_sum_3x_slower_is_blocked_until_allowed(project: Project) -> None:
    assert project.benchguard("install").returncode == 0
    pushed = project.head()
    slow_down(project.root, "hashing/hash.go", 3)
    head = project.commit("make Sum slower")

    blocked = project.sh("git push origin main", check=False)
    assert blocked.returncode != 0, said(blocked)
    assert project.remote_sha() == pushed
    assert "BenchmarkSum" in said(blocked) and "sec/op" in said(blocked)
    assert "BENCHGUARD_ALLOW=" in said(blocked)
    assert "./parse" not in said(blocked)  # only the changed package's benchmarks ran
    assert '"baseline"' in notes(project, pushed)  # measured once, stored for the next push

    allowed = project.sh("git push origin main", env={"BENCHGUARD_ALLOW": "^BenchmarkSum$"},
                         check=False)
    assert allowed.returncode == 0, said(allowed)
    assert project.remote_sha() == head
    assert "using the stored baseline" in said(allowed)
    assert "allowed by '^BenchmarkSum$'" in said(allowed)
    records, _ = NotesStore(project.root, "refs/notes/benchguard").read(head)
    [override] = [record.override for record in records if record.kind == "override"]
    assert override is not None
    assert override["pattern"] == "^BenchmarkSum$"
    assert override["user"] == "user@example.com"
    assert override["benchmarks"] == ["example.com/demo/hashing.BenchmarkSum"]


@pytest.mark.slow
def test_a_change_to_an_imported_package_runs_its_importers_benchmarks(project: Project) -> None:
    slow_down(project.root, "mathx/mix.go", 10, constant="Rounds")
    head = project.commit("slower mixing")
    proc = project.benchguard("check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    result = checked(proc)
    assert (result["status"], result["head"]) == ("regression", head)
    assert result["selected"] == [{
        "package": "./hashing", "pattern": "BenchmarkSum", "tags": [],
        "reason": "mathx/mix.go: ./hashing imports example.com/demo/mathx",
        "left_unchecked_by": None,
    }]
    assert result["allowed"] == []
    assert "example.com/demo/parse" not in proc.stdout

    # The same regression, allowed by a trailer of a pushed commit.
    project.sh("git commit -q --allow-empty -m 'accept' "
               "-m 'Benchguard-Allow: ^BenchmarkSum$ mixing is worth it'")
    proc = project.benchguard("check", "--format", "json")
    assert proc.returncode == 0, said(proc)
    [allowed] = checked(proc)["allowed"]
    assert allowed["reason"] == "mixing is worth it" and "trailer" in allowed["source"]


def test_a_docs_only_push_runs_no_go_command(project: Project, tmp_path: Path) -> None:
    env, calls = fake_go(tmp_path)
    project.benchguard("install")
    project.write({"README.md": "# demo\n"})
    head = project.commit("docs")
    proc = project.sh("git push origin main", env=env, check=False)
    assert proc.returncode == 0, said(proc)
    assert project.remote_sha() == head
    assert "nothing to check" in said(proc)
    # Tags, notes and deletions are not checked either.
    project.sh("""
        git tag v1 && git push -q origin v1
        git notes --ref benchguard add -m '{}' HEAD && git push -q origin refs/notes/benchguard
        git push -q origin HEAD:refs/heads/extra && git push -q origin :extra
    """, env=env)
    assert not calls.exists(), calls.read_text()
    proc = project.benchguard("check", "--format", "json", env=env)
    assert checked(proc)["status"] == "skipped"


def test_benchguard_skip_skips_the_check_and_says_so(project: Project, tmp_path: Path) -> None:
    env, calls = fake_go(tmp_path)
    project.benchguard("install")
    slow_down(project.root, "hashing/hash.go", 3)
    head = project.commit("slower")
    proc = project.sh("git push origin main", env={**env, "BENCHGUARD_SKIP": "1"}, check=False)
    assert proc.returncode == 0 and project.remote_sha() == head
    assert "BENCHGUARD_SKIP is set" in said(proc)
    assert not calls.exists()
    # a script reading JSON is told too, not handed an empty stdout
    proc = project.benchguard("check", "--format", "json", env={**env, "BENCHGUARD_SKIP": "1"})
    assert json.loads(proc.stdout) == {"version": 1, "status": "skipped", "checks": [],
                                       "message": "BENCHGUARD_SKIP is set: benchmarks not checked"}


def test_json_is_one_document_for_one_branch_for_several_and_for_none(project: Project) -> None:
    main = project.head()
    project.sh("git checkout -q -b topic")
    project.write({"hashing/doc.go": "package hashing\n"})
    topic = project.commit("a doc comment in hashing")
    project.sh("git checkout -q main")
    project.write({"README.md": "# demo\n"})
    docs = project.commit("docs")
    pushed = (f"refs/heads/main {docs} refs/heads/main {main}\n"
              f"refs/heads/topic {topic} refs/heads/topic {'0' * 40}\n")

    two = project.benchguard("check", "--pre-push", "origin", "--format", "json", input=pushed)
    none = project.benchguard("check", "--pre-push", "origin", "--format", "json", input="")

    assert two.returncode == 0, said(two)
    document = json.loads(two.stdout)
    assert (document["version"], document["status"]) == (1, "pass")  # the worst of the two
    assert [(c["ref"], c["status"], c["head"]) for c in document["checks"]] == [
        ("refs/heads/main", "skipped", docs), ("refs/heads/topic", "pass", topic)]
    assert document["checks"][1]["selected"][0]["package"] == "./hashing"
    assert none.returncode == 0, said(none)
    assert json.loads(none.stdout) == {"version": 1, "status": "skipped", "checks": [],
                                       "message": "no branch updates to check"}
    markdown = project.benchguard("check", "--pre-push", "origin", "--format", "markdown",
                                  input="")
    assert markdown.stdout == "**benchguard**: no branch updates to check\n"


@pytest.mark.slow
def test_each_pushed_branch_is_checked_and_the_worst_result_wins(project: Project) -> None:
    project.benchguard("install")
    fork = project.head()
    project.sh("git checkout -q -b topic")
    slow_down(project.root, "hashing/hash.go", 10)  # far beyond the noise of a busy 2-core machine
    project.commit("slower on a new branch")
    project.sh("git checkout -q main")
    project.write({"README.md": "# demo\n"})
    project.commit("docs on main")
    proc = project.sh("git push origin topic main", check=False)
    assert proc.returncode != 0, said(proc)
    assert "refs/heads/main: no benchmarks affected" in said(proc)
    assert f"refs/heads/topic: checking {fork[:12]}.." in said(proc)
    assert "(new branch)" in said(proc)
    assert project.remote_sha() == fork  # a blocked push moves no ref at all
    assert project.sh("git ls-remote origin refs/heads/topic").stdout == ""


@pytest.mark.slow
def test_a_force_push_is_checked_from_where_old_and_new_diverged(project: Project) -> None:
    project.benchguard("install")
    fork = project.head()
    project.write({"README.md": "# demo\n"})
    project.commit("docs")
    project.sh("git push -q origin main")
    project.sh("git reset -q --hard HEAD~1")
    slow_down(project.root, "hashing/hash.go", 10)
    project.commit("rewritten and slower")
    proc = project.sh("git push --force origin main", check=False)
    assert proc.returncode != 0, said(proc)
    assert f"checking {fork[:12]}.." in said(proc) and "(force push)" in said(proc)
    assert "BenchmarkSum" in said(proc)


@pytest.mark.slow
def test_uncommitted_edits_do_not_change_what_is_measured(tmp_path: Path) -> None:
    from conftest import make_project

    project = make_project(tmp_path, config=LENIENT_CONFIG)
    project.sh("sed -i 's/^func Sum/\\/\\/ Sum hashes data.\\nfunc Sum/' hashing/hash.go")
    project.commit("document Sum")
    slow_down(project.root, "hashing/hash.go", 3)  # edited, never committed
    project.write({"benchguard.toml": "this is not toml"})
    proc = project.benchguard("check", "--format", "json")
    assert proc.returncode == 0, said(proc)
    assert checked(proc)["status"] == "pass"


def test_a_broken_config_in_the_pushed_commit_exits_2_naming_file_and_line(
    project: Project,
) -> None:
    project.write({"benchguard.toml": "count = 6\ntreshold = '5%'\n"})
    project.commit("typo")
    proc = project.benchguard("check")
    assert proc.returncode == 2
    assert "benchguard.toml:2:" in said(proc)


def test_a_build_failure_blocks_unless_on_error_is_warn(project: Project) -> None:
    project.write({"hashing/broken.go": "package hashing\n\nfunc Broken() int { return \"x\" }\n"})
    project.commit("broken")
    proc = project.benchguard("check")
    assert proc.returncode == 3, proc.stderr
    assert "./hashing: build failed" in said(proc)

    project.write({"benchguard.toml": 'on_error = "warn"\n' + DEFAULT_CONFIG})
    project.commit("only warn")
    proc = project.benchguard("check")
    assert proc.returncode == 0, said(proc)
    assert 'on_error = "warn"' in said(proc)


def test_overrides_and_arguments_are_checked_before_anything_runs(
    project: Project, tmp_path: Path
) -> None:
    env, calls = fake_go(tmp_path)
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    proc = project.benchguard("check", "--allow-regression", "Sum(", env=env)
    assert proc.returncode == 2 and "--allow-regression" in said(proc)
    proc = project.benchguard("check", env={**env, "BENCHGUARD_ALLOW": "ok,(bad"})
    assert proc.returncode == 2 and "BENCHGUARD_ALLOW" in said(proc)
    project.benchguard("install")
    proc = project.sh("git -c benchguard.allow='[' push origin main", env=env, check=False)
    assert proc.returncode != 0 and "git config benchguard.allow" in said(proc)
    assert not calls.exists()


@pytest.mark.slow
def test_each_benchmark_is_judged_by_the_threshold_of_the_entry_that_selected_it(
    tmp_path: Path,
) -> None:
    from conftest import make_project

    generous = DEFAULT_CONFIG.replace('pattern = "BenchmarkSum"',
                                      'pattern = "BenchmarkSum"\n    threshold = "400%"')
    project = make_project(tmp_path, config=generous)
    slow_down(project.root, "hashing/hash.go", 3)
    project.commit("3x slower, within this entry's 400%")
    proc = project.benchguard("check", "--format", "json")
    assert proc.returncode == 0, said(proc)
    result = checked(proc)
    assert {c["threshold"] for c in result["benchmarks"]} == {4.0}


def test_a_baseline_from_another_machine_is_used_only_with_any_machine(project: Project) -> None:
    base = project.head()
    assert project.benchguard("baseline").returncode == 0
    # The same record, as if a CI runner with another CPU had written it.
    record = json.loads(notes(project, base))
    record["fingerprint"]["cpu"] = "Another CPU @ 9.99GHz"
    project.sh(f"git notes --ref benchguard add -f -m '{json.dumps(record)}' {base}")
    project.write({"parse/doc.go": "package parse\n"})
    project.commit("a doc comment in parse")

    mine_only = project.benchguard("check", "--base", base, "--format", "json")
    any_machine = project.benchguard("check", "--base", base, "--any-machine", "--format", "json")

    assert mine_only.returncode == 0, mine_only.stderr
    assert "using the stored baseline" not in mine_only.stderr
    assert f"[base {base[:12]}] ./parse: building" in mine_only.stderr  # measured here
    assert any_machine.returncode == 0, any_machine.stderr
    assert f"using the stored baseline of {base[:12]} for 1 of 1" in any_machine.stderr


def test_the_push_anyway_line_pastes_into_a_shell_whatever_the_benchmark_names() -> None:
    assert overrides.push_anyway(["BenchmarkSum"]) == (
        "to push anyway: BENCHGUARD_ALLOW='^BenchmarkSum$' git push  (or add a "
        "'Benchguard-Allow: <regex> <reason>' trailer to a commit)")
    # A sub-benchmark name may hold a quote; the line still splits into the same words.
    line = overrides.push_anyway(["BenchmarkParse/it's", "BenchmarkA.b", "BenchmarkA.b"])
    assigned = shlex.split(line)[3]
    assert assigned == "BENCHGUARD_ALLOW=^(BenchmarkA\\.b|BenchmarkParse/it's)$"
    assert re.search(assigned.partition("=")[2], "BenchmarkParse/it's")
