"""Rows of docs/errors.md about the repository a check runs in: shallow clones, a detached
HEAD, no upstream, no remote-tracking refs, a read-only `.git`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import test_errors
from conftest import Project
from test_errors import (
    assert_nothing_lost,
    error_line,
    snapshot,
    warnings,
)

# the shared fixtures, used by name
fast_project = test_errors.fast_project
temp_dir = test_errors.temp_dir


def said(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def test_a_shallow_clone_without_the_remotes_commit_compares_with_where_it_forked(
    fast_project: Project, tmp_path: Path
) -> None:
    upstream = fast_project
    fork = upstream.head()
    upstream.sh("git push -q origin main:feature")
    upstream.write({"parse/doc.go": "package parse\n"})
    theirs = upstream.commit("someone else's feature work")
    upstream.sh("git push -q origin main:feature")
    shallow = Project(root=tmp_path / "shallow", remote=upstream.remote)
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--single-branch", "--branch", "main",
                    f"file://{upstream.remote}", str(shallow.root)], check=True)
    shallow.benchguard("install")
    shallow.write({"hashing/doc.go": "package hashing\n"})
    shallow.commit("doc")
    before = snapshot(shallow)

    proc = shallow.sh("git push --force origin HEAD:feature", check=False)

    assert proc.returncode == 0, said(proc)
    assert (f"refs/heads/feature: the remote's {theirs[:12]} is not in this repository "
            "(shallow clone or not fetched); comparing against where the branch forked instead"
            ) in warnings(proc)
    assert f"checking {fork[:12]}.." in proc.stderr
    assert "Sum-" in said(proc)
    assert_nothing_lost(shallow, before, notes="grown")


def test_a_base_beyond_a_shallow_clones_history_exits_2_saying_how_to_get_it(
    fast_project: Project, tmp_path: Path
) -> None:
    upstream = fast_project
    old = upstream.head()
    upstream.write({"README.md": "# demo\n"})
    upstream.commit("docs")
    upstream.sh("git push -q origin main")
    shallow = Project(root=tmp_path / "shallow", remote=upstream.remote)
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{upstream.remote}",
                    str(shallow.root)], check=True)
    before = snapshot(shallow)

    proc = shallow.benchguard("check", "--base", old)

    assert proc.returncode == 2
    assert error_line(proc) == (f"unknown revision '{old}': no such commit in {shallow.root} "
                                "(a shallow clone: `git fetch --unshallow` brings the rest)")
    assert_nothing_lost(shallow, before)

def test_a_detached_head_is_checked_against_the_remote_default_branch(
    fast_project: Project,
) -> None:
    project = fast_project
    project.benchguard("install")
    base = project.head()
    project.sh("git checkout -q --detach")
    project.write({"README.md": "# demo\n"})
    head = project.commit("docs, detached")
    before = snapshot(project)

    by_hand = project.benchguard("check")
    pushed = project.sh("git push origin HEAD:main", check=False)

    assert by_hand.returncode == 0, said(by_hand)
    assert f"HEAD: checking {base[:12]}..{head[:12]} (merge-base with origin/main)" \
        in by_hand.stderr
    assert "no benchmarks affected by 1 changed file" in said(by_hand)
    assert pushed.returncode == 0, said(pushed)
    assert project.remote_sha() == head
    assert_nothing_lost(project, before)


def test_no_upstream_and_no_origin_exits_2_asking_for_base(fast_project: Project) -> None:
    project = fast_project
    project.sh("git remote remove origin && git checkout -q -b topic")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 2
    assert error_line(proc) == ("no upstream branch and no origin default branch to compare "
                                "against; pass --base REV (for example --base main~1)")
    assert_nothing_lost(project, before)


def test_a_push_with_no_remote_tracking_refs_is_not_checked_and_says_why(
    fast_project: Project,
) -> None:
    project = fast_project
    project.benchguard("install")
    project.sh("git remote remove origin")  # its remote-tracking refs go with it
    project.write({"hashing/doc.go": "package hashing\n"})
    head = project.commit("doc")
    before = snapshot(project)

    proc = project.sh(f"git push '{project.remote}' HEAD:refs/heads/topic", check=False)

    assert proc.returncode == 0, said(proc)
    assert ("refs/heads/topic: no remote-tracking refs to tell which commits are new "
            "(git fetch first); not checked") in warnings(proc)
    assert head in project.sh(f"git ls-remote '{project.remote}' topic").stdout
    assert_nothing_lost(project, before)


def _read_only(git_dir: Path, command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with ``git_dir`` (or a directory in it) mounted read-only (root ignores
    file permissions)."""
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(git_dir)], check=True)
        try:
            return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(git_dir)], check=True)
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True,
                           check=False) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("cannot make .git read-only here (root without mount namespaces)")
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return subprocess.run([unshare or "unshare", "-m", "sh", "-c", script, "sh", str(git_dir),
                           *command], cwd=cwd, capture_output=True, text=True, check=False)


def test_a_read_only_git_directory_exits_2_saying_so(fast_project: Project) -> None:
    project = fast_project
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = _read_only(project.root / ".git", [sys.executable, "-m", "benchguard", "check"],
                      project.root)

    assert proc.returncode == 2, said(proc)
    line = error_line(proc)
    assert line.startswith("cannot check out ") and "in a temporary worktree: " in line, line
    assert "Read-only file system" in line or "Permission denied" in line, line
    assert_nothing_lost(project, before)

    project.write({"README.md": "# demo\n"})
    project.commit("docs")
    docs_only = _read_only(project.root / ".git",
                           [sys.executable, "-m", "benchguard", "check", "--base", "HEAD~1"],
                           project.root)
    assert docs_only.returncode == 0, said(docs_only)  # a push that needs nothing written


def test_notes_that_cannot_be_written_are_a_warning_and_the_comparison_stands(
    fast_project: Project,
) -> None:
    project = fast_project
    base = project.head()
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = _read_only(project.root / ".git" / "objects",
                      [sys.executable, "-m", "benchguard", "check"], project.root)

    assert proc.returncode == 0, said(proc)
    assert "Sum-" in proc.stdout
    [warning] = [line for line in warnings(proc) if "could not store" in line]
    assert warning.startswith(f"could not store the baseline of {base[:12]}: cannot write to "
                              "refs/notes/benchguard: "), warning
    assert_nothing_lost(project, before)


def test_a_users_stale_worktree_entry_survives_a_check(fast_project: Project,
                                                        tmp_path: Path) -> None:
    # The user's own worktree, its directory gone (an unmounted disk, say): `git worktree
    # prune` is the user's call, not benchguard's.
    project = fast_project
    mine = tmp_path / "my-feature"
    project.sh(f"git worktree add -q --detach {mine} && rm -rf {mine}")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")

    proc = project.benchguard("check")

    assert proc.returncode == 0, said(proc)
    listed = project.sh("git worktree list --porcelain").stdout
    assert f"worktree {mine}" in listed and "prunable" in listed
    assert listed.count("worktree ") == 2  # the user's, the main one; none of benchguard's


def test_a_worktree_git_will_not_remove_is_still_cleaned_up_and_only_it(
    fast_project: Project, tmp_path: Path
) -> None:
    from benchguard.tools import git

    project = fast_project
    mine = tmp_path / "my-feature"
    project.sh(f"git worktree add -q --detach {mine} && rm -rf {mine}")
    with git.worktree(project.root, project.head()) as tree:
        project.sh(f"git worktree lock {tree}")  # `worktree remove --force` refuses it

    listed = project.sh("git worktree list --porcelain").stdout
    assert f"worktree {tree}" not in listed
    assert f"worktree {mine}" in listed
