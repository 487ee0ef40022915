"""The pre-push hook runs inside the repository being pushed: nothing in that repository may
decide what runs as benchguard, and a push interrupted at the terminal leaves nothing behind."""

from __future__ import annotations

import os
import sys
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
