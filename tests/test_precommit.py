"""The same hook through the real pre-commit framework, installed from a git copy of this source."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import Project, sh, slow_down
from test_hook_safety import SHADOW

SOURCE = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def hook_repository(tmp_path: Path) -> tuple[Path, str]:
    """This project's source committed in a temporary repository, as pre-commit fetches it."""
    copy = tmp_path / "benchguard-src"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(SOURCE / "benchguard", copy / "benchguard", ignore=ignore)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
        if (SOURCE / name).exists():
            shutil.copy(SOURCE / name, copy / name)
    if not (copy / "README.md").exists():
        (copy / "README.md").write_text("# benchguard\n", encoding="utf-8")
    sh("git init -q && git add -A && git commit -q -m source", cwd=copy)
    return copy, sh("git rev-parse HEAD", cwd=copy).stdout.strip()


def use_pre_commit(project: Project, tmp_path: Path) -> None:
    """benchguard through pre-commit, its hook environment built by a first push."""
    if not PRE_COMMIT.exists():
        pytest.skip("pre-commit is not installed next to this python")
    source, sha = hook_repository(tmp_path)
    project.write({".pre-commit-config.yaml": f"""
        repos:
          - repo: {source}
            rev: {sha}
            hooks:
              - id: benchguard
    """})
    project.commit("use benchguard through pre-commit")
    project.sh(f"{PRE_COMMIT} install -t pre-push")
    pushed = project.sh("git push -q origin main", check=False)  # builds the hook environment
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr


@pytest.mark.slow
def test_pre_commit_blocks_a_slower_push_and_lets_an_allowed_one_through(
    project: Project, tmp_path: Path
) -> None:
    use_pre_commit(project, tmp_path)

    before = project.head()
    slow_down(project.root, "hashing/hash.go", 10)  # far beyond the noise of a busy 2-core machine
    head = project.commit("make Sum slower")
    blocked = project.sh("git push origin main", check=False)
    said = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, said
    assert project.remote_sha() == before
    assert "BenchmarkSum" in said and "benchguard" in said and "Failed" in said

    allowed = project.sh("git push origin main", env={"BENCHGUARD_ALLOW": "Sum"}, check=False)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert project.remote_sha() == head


@pytest.mark.slow
def test_through_pre_commit_the_repositorys_own_benchguard_package_is_not_run(
    project: Project, tmp_path: Path
) -> None:
    use_pre_commit(project, tmp_path)
    before = project.head()
    project.write(SHADOW)
    slow_down(project.root, "hashing/hash.go", 10)
    project.commit("make Sum 10x slower, and bring a benchguard of our own")
    # A developer whose shell profile says PYTHONPATH="$PYTHONPATH:/opt/lib" with none set
    # before: the empty entry is the current directory, the repository being pushed.
    blocked = project.sh("git push origin main", env={"PYTHONPATH": ":/opt/lib"}, check=False)

    said = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, said
    assert "the repository's own" not in said
    assert "BenchmarkSum" in said
    assert project.remote_sha() == before
