"""What bad input and faults get (docs/errors.md): one line saying what is wrong, an exit code,
and nothing lost — no worktree, no temporary directory, no half-written note, the hook intact.

Each test is one row of the table in docs/errors.md, run through the real entry point.
This module holds the configuration and input rows and the helpers the other test_errors_*
modules share.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from conftest import GO, GO_MODULE, Project, fake_go, make_project

# Small and fast: 4 runs is the fewest that can ever be significant at alpha 0.05. These rows
# are about faults, not speed: a generous threshold keeps a busy machine's noise out of them.
FAST_CONFIG = """
    count = 4
    benchtime = "100x"
    timeout = "1m"
    threshold = "400%"

    [[bench]]
    paths = ["hashing/**"]
    package = "./hashing"

    [[bench]]
    paths = ["parse/**"]
    package = "./parse"
"""

NOTES_REF = "refs/notes/benchguard"


@dataclass(frozen=True)
class Before:
    """What must survive any failure: the notes, the hook, and no stray worktree."""

    notes_tip: str
    hook: str | None


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TMPDIR of the test's own, so leftovers (worktrees, hook input) can be seen."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    return temp


@pytest.fixture
def fast_project(tmp_path: Path, temp_dir: Path) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    return make_project(tmp_path, config=FAST_CONFIG)


def snapshot(project: Project) -> Before:
    tip = project.sh(f"git rev-parse --verify --quiet {NOTES_REF}", check=False).stdout.strip()
    hook = project.root / ".git" / "hooks" / "pre-push"
    return Before(tip, hook.read_text(encoding="utf-8") if hook.exists() else None)


def assert_nothing_lost(project: Project, before: Before, *,
                        notes: Literal["unchanged", "grown"] = "unchanged") -> None:
    """No worktree or temporary directory left; the hook as it was; the notes ``unchanged`` or
    (``grown``) holding every line they held before."""
    worktrees = project.sh("git worktree list --porcelain").stdout
    assert worktrees.count("worktree ") == 1, worktrees
    temp = Path(os.environ["TMPDIR"])
    assert sorted(path.name for path in temp.iterdir() if "benchguard" in path.name) == []
    after = snapshot(project)
    assert after.hook == before.hook
    if notes == "unchanged":
        assert after.notes_tip == before.notes_tip
    elif before.notes_tip:
        assert project.sh(f"git merge-base --is-ancestor {before.notes_tip} {after.notes_tip}",
                          check=False).returncode == 0, "the notes lost their history"


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one `benchguard: error: …` line (its text after the prefix); no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "unexpected error" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("benchguard: error: ")]
    assert len(lines) == 1, proc.stderr
    return lines[0].removeprefix("benchguard: error: ")


def warnings(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return [line.removeprefix("benchguard: warning: ") for line in proc.stderr.splitlines()
            if line.startswith("benchguard: warning: ")]


def commit_config(project: Project, text: str) -> None:
    project.write({"benchguard.toml": text})
    project.commit("configure benchguard")


# --- configuration and input -----------------------------------------------------------------


@pytest.fixture
def cheap_project(tmp_path: Path, temp_dir: Path) -> tuple[Project, dict[str, str], Path]:
    """A project whose `go` is fake: these rows must fail before any go command."""
    env, calls = fake_go(tmp_path)
    return make_project(tmp_path, config=FAST_CONFIG, files=GO_MODULE), env, calls


CONFIG_ROWS = {
    "toml syntax error": ("count = 4\nbenchtime = '100x\n",
                          "benchguard.toml:2: invalid TOML: Expected \"'\""),
    "unknown key": ("count = 4\ntreshold = '5%'\n",
                    "benchguard.toml:2: unknown key 'treshold' — did you mean 'threshold'?"),
    "wrong type": ("count = 'six'\n", "benchguard.toml:1: count must be an integer ≥ 1, got 'six'"),
    "bad regex": ("[[bench]]\npaths = ['hashing/**']\npackage = './hashing'\npattern = 'Sum('\n",
                  "benchguard.toml:4: pattern 'Sum(' is not a valid regular expression: "),
    "count too small": ("count = 1\n", "benchguard.toml:1: count = 1 cannot be decided: "
                                       "check compares base and head round by round"),
}


@pytest.mark.parametrize("row", list(CONFIG_ROWS))
def test_a_bad_config_in_the_pushed_commit_exits_2_naming_file_and_line(
    row: str, cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, calls = cheap_project
    text, expected = CONFIG_ROWS[row]
    project.benchguard("install")
    project.write({"benchguard.toml": text})
    project.write({"hashing/doc.go": "package hashing\n"})
    head = project.commit(row)
    before = snapshot(project)

    proc = project.sh("git push origin main", env=env, check=False)

    assert proc.returncode != 0 and project.remote_sha() != head
    assert error_line(proc).startswith(expected)
    assert not calls.exists()
    assert_nothing_lost(project, before)
    direct = project.benchguard("check", env=env)
    assert direct.returncode == 2 and error_line(direct).startswith(expected)


def test_a_config_that_is_not_utf8_exits_2_naming_its_line(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, calls = cheap_project
    (project.root / "benchguard.toml").write_bytes(b"count = 4\n# caf\xe9 settings\n")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("latin-1 config")
    before = snapshot(project)

    pushed = project.benchguard("check", env=env)
    local = project.benchguard("--config", "benchguard.toml", "check", env=env)

    expected = "benchguard.toml:2: not valid UTF-8 (byte 0xe9)"
    assert pushed.returncode == 2 and error_line(pushed).startswith(expected)
    assert local.returncode == 2 and error_line(local).startswith(expected)
    assert not calls.exists()
    assert_nothing_lost(project, before)


def test_an_invalid_override_regex_exits_2_naming_where_it_came_from(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, calls = cheap_project
    project.write({"hashing/doc.go": "package hashing\n"})
    project.sh("git add -A && git commit -q -m doc -m 'Benchguard-Allow: Sum( it is fine'")
    before = snapshot(project)

    proc = project.benchguard("check", env=env)

    assert proc.returncode == 2
    line = error_line(proc)
    assert line.startswith("invalid regular expression 'Sum(' in the Benchguard-Allow trailer "
                           "of commit "), line
    assert not calls.exists()
    assert_nothing_lost(project, before)


def test_a_config_file_that_is_missing_exits_2(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, _ = cheap_project
    project.write({"README.md": "# demo\n"})
    project.commit("docs")
    proc = project.benchguard("--config", "nowhere.toml", "check", env=env)
    assert proc.returncode == 2
    assert error_line(proc) == "nowhere.toml: no such configuration file"


def test_an_unknown_base_revision_exits_2(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, _ = cheap_project
    before = snapshot(project)
    proc = project.benchguard("check", "--base", "no-such-branch", env=env)
    assert proc.returncode == 2
    assert error_line(proc) == ("unknown revision 'no-such-branch': no such commit in "
                                f"{project.root}")
    assert_nothing_lost(project, before)


def test_outside_a_git_repository_exits_2(tmp_path: Path, temp_dir: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    from conftest import benchguard

    proc = benchguard("check", cwd=outside)
    assert proc.returncode == 2
    assert error_line(proc) == f"{outside.resolve()}: not inside a git repository"


def test_a_config_value_with_shell_metacharacters_never_reaches_a_shell(
    fast_project: Project, tmp_path: Path
) -> None:
    project = fast_project
    canary = tmp_path / "pwned"
    config = FAST_CONFIG.replace('package = "./hashing"',
                                 f'package = "./hashing"\n    pattern = "Sum|$(touch {canary})'
                                 f'|`touch {canary}`;touch {canary}"')
    commit_config(project, config)
    project.sh("git push -q origin main")
    project.write({"hashing/doc.go": "package hashing\n\n// Package hashing sums.\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, proc.stderr
    assert "Sum-" in proc.stdout
    assert not canary.exists()
    assert_nothing_lost(project, before, notes="grown")


def test_garbage_on_the_pre_push_hooks_stdin_exits_2_quoting_the_line(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, calls = cheap_project
    before = snapshot(project)
    proc = project.benchguard("check", "--pre-push", "origin", env=env, input="what is this\n")
    assert proc.returncode == 2
    assert error_line(proc) == ("pre-push input line 1: expected '<local ref> <local sha> "
                                "<remote ref> <remote sha>', got 'what is this'")
    assert not calls.exists()
    assert_nothing_lost(project, before)


def test_an_unknown_option_exits_2_with_usage(tmp_path: Path, temp_dir: Path) -> None:
    from conftest import benchguard

    proc = benchguard("check", "--bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert error_line(proc) == "unrecognized arguments: --bogus"
    assert proc.stderr.startswith("usage: benchguard ")


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read {old}: No such file or directory"),
    (b"\xff\xfe not benchmark output\n", "{old}: no benchmark results found (expected `go test "
                                           "-bench` output)"),
], ids=["missing", "garbage"])
def test_compare_with_a_file_that_is_not_benchmark_output_exits_2(
    content: bytes | None, expected: str, tmp_path: Path, temp_dir: Path
) -> None:
    from conftest import benchguard

    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    if content is not None:
        old.write_bytes(content)
    new.write_text("BenchmarkSum-2  100  5 ns/op\n", encoding="utf-8")
    proc = benchguard("compare", "old.txt", "new.txt", cwd=tmp_path)
    assert proc.returncode == 2
    assert error_line(proc) == expected.format(old="old.txt")


# --- the cost of a push that touches no Go code ------------------------------------------------

HEAVY_MODULES = {"pygit2", "benchguard.commands.check_measure", "benchguard.push.branch",
                 "benchguard.push.measure", "benchguard.push.session", "benchguard.push.runner",
                 "benchguard.engine.stats", "benchguard.engine.verdict",
                 "benchguard.engine.decision", "benchguard.reports.table",
                 "benchguard.reports.check"}


def test_a_push_that_touches_no_go_code_imports_nothing_heavy_and_runs_no_go(
    cheap_project: tuple[Project, dict[str, str], Path]
) -> None:
    project, env, calls = cheap_project
    project.write({"README.md": "# demo\n"})
    project.commit("docs")

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "benchguard", "check"],
                          cwd=project.root, capture_output=True, text=True, check=False,
                          env={**os.environ, **env})

    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "benchguard.main" in imported
    assert imported & HEAVY_MODULES == set()
    assert not calls.exists()
