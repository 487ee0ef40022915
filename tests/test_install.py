"""`benchguard install` / `uninstall`: the pre-push hook goes in; a hook already there is kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import benchguard, sh

from benchguard.commands.install import script

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone of a bare remote, with a docs-only commit waiting to be pushed (no Go involved)."""
    root = tmp_path / "work"
    sh(f"""
        git init -q --bare remote.git
        git init -q work && cd work
        echo one > README.md && git add -A && git commit -q -m one
        git remote add origin {tmp_path}/remote.git && git push -q -u origin main
        echo two > README.md && git commit -q -am two
    """, cwd=tmp_path)
    return root


def hook(repo: Path) -> Path:
    return repo / ".git" / "hooks" / "pre-push"


def write_hook(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def test_install_writes_a_hook_that_runs_this_python(repo: Path) -> None:
    proc = benchguard("install", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    text = hook(repo).read_text(encoding="utf-8")
    assert "# benchguard-hook: pre-push v1" in text
    assert f"{sys.executable} -m benchguard check --pre-push" in text
    assert hook(repo).stat().st_mode & 0o111
    push = sh("git push origin main", cwd=repo, check=False)
    assert push.returncode == 0, push.stderr
    assert "nothing to check" in push.stdout + push.stderr
    assert benchguard("install", cwd=repo).returncode == 0  # reinstalling is fine


def test_install_honours_core_hooks_path(repo: Path) -> None:
    sh("git config core.hooksPath .githooks", cwd=repo)
    assert benchguard("install", cwd=repo).returncode == 0
    assert (repo / ".githooks" / "pre-push").exists()
    assert not hook(repo).exists()


def test_a_foreign_hook_is_never_clobbered(repo: Path) -> None:
    write_hook(hook(repo), "echo mine")
    proc = benchguard("install", cwd=repo)
    assert proc.returncode == 2
    assert "--force" in proc.stderr
    assert hook(repo).read_text(encoding="utf-8") == "#!/bin/sh\necho mine\n"


def test_with_force_the_foreign_hook_is_kept_and_runs_first_with_the_same_stdin(
    repo: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "legacy-saw"
    write_hook(hook(repo), f'cat > {seen}\necho "legacy ran: $1"')
    assert benchguard("install", "--force", cwd=repo).returncode == 0
    assert (hook(repo).parent / "pre-push.legacy").exists()

    push = sh("git push origin main", cwd=repo, check=False)
    assert push.returncode == 0, push.stderr
    output = push.stdout + push.stderr
    assert "legacy ran: origin" in output
    assert "refs/heads/main" in seen.read_text(encoding="utf-8")  # the legacy hook got stdin
    assert "checking" in output  # and so did benchguard

    # A failing legacy hook still blocks the push.
    write_hook(hook(repo).parent / "pre-push.legacy", "exit 7")
    sh("echo three > README.md && git commit -q -am three", cwd=repo)
    assert sh("git push origin main", cwd=repo, check=False).returncode != 0

    proc = benchguard("uninstall", cwd=repo)
    assert proc.returncode == 0 and "restored" in proc.stdout
    assert hook(repo).read_text(encoding="utf-8") == "#!/bin/sh\nexit 7\n"
    assert not (hook(repo).parent / "pre-push.legacy").exists()


def test_uninstall_removes_only_benchguards_hook(repo: Path) -> None:
    assert benchguard("uninstall", cwd=repo).returncode == 0  # nothing there: nothing to do
    benchguard("install", cwd=repo)
    assert benchguard("uninstall", cwd=repo).returncode == 0
    assert not hook(repo).exists()
    write_hook(hook(repo), "echo mine")
    assert benchguard("uninstall", cwd=repo).returncode == 2
    assert hook(repo).exists()


def test_the_hook_in_the_repository_is_the_same_hook_calling_benchguard_from_path() -> None:
    assert (REPO_ROOT / "hooks" / "pre-push").read_text(encoding="utf-8") == script("benchguard")
