"""`benchguard install` / `uninstall`: the pre-push hook goes in; a hook already there is kept."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
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
    assert "# benchguard-hook: pre-push v2" in text
    assert f"installed={shlex.quote(sys.executable)}\n" in text
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


def test_the_hook_in_the_repository_is_the_same_hook_starting_from_benchguard_on_path() -> None:
    assert (REPO_ROOT / "hooks" / "pre-push").read_text(encoding="utf-8") == script(None)


# The hook as `benchguard install` wrote it before 0.2.
V1_HOOK = """#!/bin/sh
# benchguard-hook: pre-push v1
set -u
input=$(mktemp "${TMPDIR:-/tmp}/benchguard-pre-push.XXXXXX") || exit 1
trap 'rm -f "$input"' EXIT
cat > "$input"
/gone/venv/bin/python -m benchguard check --pre-push "$@" < "$input"
"""


def test_reinstalling_over_an_old_hook_upgrades_it(repo: Path) -> None:
    write_hook(hook(repo), V1_HOOK.removeprefix("#!/bin/sh\n"))
    proc = benchguard("install", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "pre-push v2" in hook(repo).read_text(encoding="utf-8")
    assert not (hook(repo).parent / "pre-push.legacy").exists()


def path_without_benchguard(tmp_path: Path) -> str:
    """A PATH with git and the system's tools but no benchguard: the one of this test run (in
    its virtualenv's bin) is left out."""
    tools = tmp_path / "tools"
    tools.mkdir()
    git = shutil.which("git")
    assert git is not None
    (tools / "git").symlink_to(git)
    return os.pathsep.join([str(tools), "/usr/bin", "/bin"])


def a_virtualenv_that_runs_benchguard(where: Path) -> Path:
    """A real virtualenv whose Python imports this checkout of benchguard and its
    dependencies (through a .pth file, as an editable install does); its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c",
                           "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", "import pygit2, os; "
                           "print(os.path.dirname(os.path.dirname(pygit2.__file__)))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "benchguard-checkout.pth").write_text(f"{REPO_ROOT}\n{ours}\n", encoding="utf-8")
    return python


def test_a_hook_whose_virtualenv_was_deleted_checks_through_the_benchguard_on_path(
    repo: Path, tmp_path: Path
) -> None:
    python = a_virtualenv_that_runs_benchguard(tmp_path / "venv")
    proc = subprocess.run([str(python), "-m", "benchguard", "install"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert f"installed={python}" in hook(repo).read_text(encoding="utf-8")
    shutil.rmtree(tmp_path / "venv")

    # benchguard on PATH: this test run's (a console script, as pip writes it)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "benchguard").write_text(
        f"#!{sys.executable}\nfrom benchguard.main import entry\nentry()\n", encoding="utf-8")
    (bin_dir / "benchguard").chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{path_without_benchguard(tmp_path)}"}
    push = sh("git push origin main", cwd=repo, env=env, check=False)
    said = push.stdout + push.stderr
    assert push.returncode == 0, said
    assert f"{python}, the Python that installed this hook, is gone" in said
    assert "checking" in said and "nothing to check" in said
    assert "not found" not in said


def test_with_no_benchguard_left_the_hook_refuses_the_push_and_says_how_to_fix_it(
    repo: Path, tmp_path: Path
) -> None:
    python3 = shutil.which("python3", path="/usr/bin:/bin")
    if python3 is None or subprocess.run([python3, "-c", "import benchguard"],
                                         capture_output=True, check=False).returncode == 0:
        pytest.skip("needs a system python3 without benchguard")
    # Installed by a Python that is gone; none on PATH; the system's python3 has none either
    # (it starts, so it must not be taken for one that runs benchguard).
    hook(repo).parent.mkdir(parents=True, exist_ok=True)
    hook(repo).write_text(script(str(tmp_path / "gone" / "bin" / "python"), "-e /src/benchguard"),
                          encoding="utf-8")
    hook(repo).chmod(0o755)
    env = {"PATH": path_without_benchguard(tmp_path)}
    before = sh("git rev-parse main", cwd=tmp_path / "remote.git").stdout

    push = sh("git push origin main", cwd=repo, env=env, check=False)

    said = push.stdout + push.stderr
    assert push.returncode != 0, said
    assert sh("git rev-parse main", cwd=tmp_path / "remote.git").stdout == before
    assert "benchguard: the pre-push hook cannot run benchguard" in said
    assert "pip install -e /src/benchguard && benchguard install" in said
    assert "BENCHGUARD_SKIP=1 git push" in said
    assert "Traceback" not in said

    skipped = sh("git push origin main", cwd=repo, env={**env, "BENCHGUARD_SKIP": "1"},
                 check=False)
    assert skipped.returncode == 0, skipped.stderr
    assert "BENCHGUARD_SKIP is set" in skipped.stderr
