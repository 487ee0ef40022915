"""Which commits a push checks, from pre-push's ref lines and pre-commit's variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import sh

from benchguard.errors import BenchguardError
from benchguard.progress import Collector, Silent
from benchguard.push import ranges
from benchguard.tools.git import ZERO_SHA


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone with three commits on main, all pushed to a bare `origin`."""
    root = tmp_path / "work"
    sh(f"""
        git init -q --bare {tmp_path}/remote.git
        git init -q {root}
        cd {root}
        for n in 1 2 3; do echo $n > file$n; git add -A; git commit -q -m "c$n"; done
        git remote add origin {tmp_path}/remote.git
        git push -q -u origin main
        git remote set-head origin main
    """, cwd=tmp_path)
    return root


def rev(repo: Path, name: str) -> str:
    return sh(f"git rev-parse {name}", cwd=repo).stdout.strip()


def commit(repo: Path, name: str) -> str:
    sh(f"echo {name} > {name} && git add -A && git commit -q -m {name}", cwd=repo)
    return rev(repo, "HEAD")


def line(local_ref: str, local_sha: str, remote_ref: str, remote_sha: str) -> str:
    return f"{local_ref} {local_sha} {remote_ref} {remote_sha}\n"


def test_an_update_compares_against_the_remote_commit(repo: Path) -> None:
    old = rev(repo, "HEAD")
    new = commit(repo, "a")
    updates = ranges.parse_ref_lines(line("refs/heads/main", new, "refs/heads/main", old))
    assert ranges.ranges_for_push(repo, "origin", updates, reporter=Silent()) == [
        ranges.Range("refs/heads/main", old, new, "update")
    ]


def test_a_new_branch_compares_against_its_fork_from_the_default_branch(repo: Path) -> None:
    fork = rev(repo, "HEAD~1")
    sh("git checkout -q -b topic HEAD~1", cwd=repo)
    commit(repo, "x")
    head = commit(repo, "y")
    updates = ranges.parse_ref_lines(line("refs/heads/topic", head, "refs/heads/topic", ZERO_SHA))
    [found] = ranges.ranges_for_push(repo, "origin", updates, reporter=Silent())
    assert (found.base, found.head, found.why) == (fork, head, "new branch")


def test_pushing_to_a_url_a_new_branch_starts_after_the_last_pushed_commit(repo: Path) -> None:
    pushed = rev(repo, "HEAD")
    commit(repo, "x")
    head = commit(repo, "y")
    updates = ranges.parse_ref_lines(line("refs/heads/new", head, "refs/heads/new", ZERO_SHA))
    [found] = ranges.ranges_for_push(repo, "/elsewhere/remote.git", updates, reporter=Silent())
    assert found.base == pushed


def test_pushing_a_whole_new_history_has_no_base(tmp_path: Path) -> None:
    sh("git init -q r && cd r && echo a > a && git add a && git commit -q -m a", cwd=tmp_path)
    repo = tmp_path / "r"
    head = rev(repo, "HEAD")
    updates = ranges.parse_ref_lines(line("refs/heads/main", head, "refs/heads/main", ZERO_SHA))
    assert ranges.ranges_for_push(repo, "origin", updates, reporter=Silent()) == [
        ranges.Range("refs/heads/main", None, head, "new branch")
    ]


def test_a_force_push_compares_against_where_old_and_new_diverged(repo: Path) -> None:
    fork = rev(repo, "HEAD~1")
    old = rev(repo, "HEAD")
    sh("git reset -q --hard HEAD~1", cwd=repo)
    new = commit(repo, "rewritten")
    updates = ranges.parse_ref_lines(line("refs/heads/main", new, "refs/heads/main", old))
    assert ranges.ranges_for_push(repo, "origin", updates, reporter=Silent()) == [
        ranges.Range("refs/heads/main", fork, new, "force push")
    ]


def test_deletions_tags_and_notes_are_not_checked(repo: Path) -> None:
    head = rev(repo, "HEAD")
    sh("git notes --ref benchguard add -m '{}' HEAD", cwd=repo)
    notes = rev(repo, "refs/notes/benchguard")
    text = (
        line("(delete)", ZERO_SHA, "refs/heads/old", head)
        + line("refs/tags/v1", head, "refs/tags/v1", ZERO_SHA)
        + line("refs/notes/benchguard", notes, "refs/notes/benchguard", ZERO_SHA)
    )
    updates = ranges.parse_ref_lines(text)
    assert ranges.ranges_for_push(repo, "origin", updates, reporter=Silent()) == []


def test_two_branches_are_each_checked_and_the_same_head_once(repo: Path) -> None:
    old = rev(repo, "HEAD")
    a = commit(repo, "a")
    sh("git checkout -q -b other main~2", cwd=repo)
    b = commit(repo, "b")
    text = (
        line("refs/heads/main", a, "refs/heads/main", old)
        + line("refs/heads/main", a, "refs/heads/mirror", ZERO_SHA)
        + line("refs/heads/other", b, "refs/heads/other", ZERO_SHA)
    )
    found = ranges.ranges_for_push(repo, "origin", ranges.parse_ref_lines(text), reporter=Silent())
    assert [(r.ref, r.base, r.head) for r in found] == [
        ("refs/heads/main", old, a),
        ("refs/heads/other", rev(repo, "main~2"), b),
    ]


def test_an_unknown_remote_commit_falls_back_with_a_warning(repo: Path) -> None:
    pushed = rev(repo, "HEAD")
    head = commit(repo, "a")
    unknown = "1234567890" * 4
    updates = ranges.parse_ref_lines(line("refs/heads/main", head, "refs/heads/main", unknown))
    told = Collector()
    [found] = ranges.ranges_for_push(repo, "origin", updates, reporter=told)
    assert found.base == pushed
    [warning] = told.warnings
    assert "not in this repository" in warning


def test_a_local_ref_with_spaces_still_parses() -> None:
    sha = "a" * 40
    [update] = ranges.parse_ref_lines(f"HEAD with spaces {sha} refs/heads/x {ZERO_SHA}\n")
    assert update.local_ref == "HEAD with spaces"
    with pytest.raises(BenchguardError, match="line 1"):
        ranges.parse_ref_lines("garbage\n")


def test_pre_commit_variables_describe_the_range(repo: Path) -> None:
    old = rev(repo, "HEAD")
    new = commit(repo, "a")
    env = {"PRE_COMMIT_FROM_REF": old, "PRE_COMMIT_TO_REF": new,
           "PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main"}
    assert ranges.pre_commit_range(repo, env, reporter=Silent()) == \
        ranges.Range("refs/heads/main", old, new, "update")
    # a root push: pre-commit sets neither FROM nor TO, only the branches
    env = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin",
           "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main"}
    found = ranges.pre_commit_range(repo, env, reporter=Silent())
    assert found is not None and (found.base, found.head) == (old, new)
    tag = {**env, "PRE_COMMIT_REMOTE_BRANCH": "refs/tags/v1"}
    assert ranges.pre_commit_range(repo, tag, reporter=Silent()) is None


def test_by_hand_the_default_base_is_the_upstream_fork(repo: Path, tmp_path: Path) -> None:
    pushed = rev(repo, "HEAD")
    head = commit(repo, "a")
    found = ranges.manual_range(repo, None, None)
    assert (found.base, found.head) == (pushed, head)
    assert ranges.manual_range(repo, "HEAD~2", None).base == rev(repo, "HEAD~2")
    sh("git init -q lonely && cd lonely && git commit -q --allow-empty -m a", cwd=tmp_path)
    with pytest.raises(BenchguardError, match="pass --base"):
        ranges.manual_range(tmp_path / "lonely", None, None)
