"""The pre-push hook runs inside the repository being pushed: nothing in that repository may
decide what runs as benchguard, and a push interrupted at the terminal leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Project, slow_down

from benchguard.commands.install import script

# A package of the pushed repository that calls itself benchguard and passes every push.
SHADOW = {
    "benchguard/__init__.py": "",
    "benchguard/main.py": """
        def main(argv=None):
            print("benchguard (the repository's own): all good")
            return 0


        def entry():
            raise SystemExit(main())
    """,
    "benchguard/__main__.py": "from benchguard.main import entry\nentry()\n",
}


def a_bin_of_this_run(tmp_path: Path, name: str) -> Path:
    """A bin directory with only ``name`` of this test run: `python3` (the Python running these
    tests, which has benchguard) or `benchguard` (a console script as pip writes it)."""
    bin_dir = tmp_path / f"{name}-bin"
    bin_dir.mkdir()
    text = f'#!/bin/sh\nexec "{sys.executable}" "$@"\n' if name == "python3" else \
        f"#!{sys.executable}\nfrom benchguard.main import entry\nentry()\n"
    (bin_dir / name).write_text(text, encoding="utf-8")
    (bin_dir / name).chmod(0o755)
    return bin_dir


@pytest.mark.slow
@pytest.mark.parametrize("how", ["benchguard install", "benchguard on PATH", "python3"])
def test_a_repository_with_its_own_benchguard_package_cannot_pass_its_own_push(
        project: Project, tmp_path: Path, how: str) -> None:
    # A developer whose shell profile says PYTHONPATH="$PYTHONPATH:/opt/lib" with none set
    # before: its empty entry is the current directory, the repository being pushed.
    env = {"PYTHONPATH": ":/opt/lib"}
    if how == "benchguard install":  # the hook runs the Python that installed it
        assert project.benchguard("install").returncode == 0
    else:  # hooks/pre-push as the repository ships it: `benchguard` on PATH, else python3
        hook = project.root / ".git" / "hooks" / "pre-push"
        hook.write_text(script(None), encoding="utf-8")
        hook.chmod(0o755)
        env["PATH"] = f"{a_bin_of_this_run(tmp_path, how.split()[0])}{os.pathsep}" \
                      f"{os.environ['PATH']}"
    before = project.remote_sha()
    project.write(SHADOW)
    slow_down(project.root, "hashing/hash.go", 10)
    project.commit("make Sum 10x slower, and bring a benchguard of our own")

    push = project.sh("git push origin main", env=env, check=False)

    said = push.stdout + push.stderr
    assert push.returncode != 0, said
    assert "the repository's own" not in said
    assert "BenchmarkSum" in said and "regression" in said
    assert project.remote_sha() == before


def a_push_waiting_in_its_hook(project: Project, started: Path) -> subprocess.Popen[str]:
    """`git push` in a session of its own (as a terminal's foreground job), stopped inside a
    benchmark of the pushed commit: the hook's temporary copy of git's input exists then."""
    project.write({"parse/naps_test.go": """
        package parse

        import (
            "os"
            "testing"
            "time"
        )

        func BenchmarkNaps(b *testing.B) {
            os.WriteFile(os.Getenv("STARTED_FILE"), nil, 0o644)
            for i := 0; i < b.N; i++ {
                time.Sleep(100 * time.Millisecond)
            }
        }
    """})
    project.commit("a slow benchmark")
    return subprocess.Popen(["git", "push", "origin", "main"], cwd=project.root,
                            env={**os.environ, "STARTED_FILE": str(started)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["Ctrl-C", "SIGTERM", "SIGHUP"])
def test_a_push_interrupted_in_the_hook_leaves_no_temporary_file(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    assert project.benchguard("install").returncode == 0
    started = tmp_path / "benchmark-started"
    push = a_push_waiting_in_its_hook(project, started)
    deadline = time.monotonic() + 120
    while not started.exists() and push.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), push.communicate()
    assert [path.name for path in temp.glob("benchguard-pre-push.*")] != []

    os.killpg(push.pid, signum)  # the terminal signals its whole foreground job
    stdout, stderr = push.communicate(timeout=60)
    while time.monotonic() < deadline:  # the hook's shell outlives git: wait for the group
        try:
            os.killpg(push.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)

    assert push.returncode != 0, stdout + stderr
    assert sorted(path.name for path in temp.iterdir()) == []
    worktrees = project.sh("git worktree list --porcelain").stdout
    assert worktrees.count("worktree ") == 1, worktrees
