"""The command line itself: global options anywhere, one module imported per command, help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import benchguard, sh

from benchguard import config
from benchguard.commands import option_type
from benchguard.config import values
from benchguard.errors import BenchguardError
from benchguard.main import COMMANDS, build_parser, command_named

BAD_CONFIG = "count = 0\n"
BAD_CONFIG_ERROR = "count must be an integer ≥ 1, got 0"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits and no benchguard.toml; bad.toml is invalid."""
    root = tmp_path / "repo"
    root.mkdir()
    sh("""
        git init -q
        echo '# demo' > README.md && git add -A && git commit -q -m init
        echo 'more' >> README.md && git commit -q -am more
    """, cwd=root)
    (root / "bad.toml").write_text(BAD_CONFIG, encoding="utf-8")
    return root


@pytest.mark.parametrize("command", ["show", "status", "sync", "baseline"])
def test_config_works_after_the_subcommand(repo: Path, command: str) -> None:
    proc = benchguard(command, "--config", "bad.toml", cwd=repo)

    assert proc.returncode == 2, proc.stderr
    assert f"bad.toml:1: {BAD_CONFIG_ERROR}" in proc.stderr


def test_check_config_after_the_subcommand(repo: Path) -> None:
    proc = benchguard("check", "--base", "HEAD~1", "--config", "bad.toml", cwd=repo)

    assert proc.returncode == 2, proc.stderr
    assert f"bad.toml:1: {BAD_CONFIG_ERROR}" in proc.stderr


def test_a_notes_ref_outside_refs_notes_is_a_config_error_naming_its_line(repo: Path) -> None:
    (repo / "benchguard.toml").write_text('count = 6\nnotes_ref = "refs/heads/perf"\n',
                                          encoding="utf-8")

    proc = benchguard("show", cwd=repo)

    assert proc.returncode == 2
    assert proc.stderr.startswith("benchguard: error: benchguard.toml:2: notes_ref must be a ref "
                                  "under refs/notes/")


@pytest.mark.parametrize("spelling", [
    ["--config", "bad.toml", "show"],
    ["--config=bad.toml", "show"],
    ["--conf", "bad.toml", "show"],  # argparse's abbreviation, as before
    ["show", "--config=bad.toml"],
    ["--config", "benchguard.toml", "show", "--config", "bad.toml"],  # the later one wins
])
def test_config_is_read_however_it_is_spelt(repo: Path, spelling: list[str]) -> None:
    proc = benchguard(*spelling, cwd=repo)

    assert proc.returncode == 2, proc.stderr
    assert f"bad.toml:1: {BAD_CONFIG_ERROR}" in proc.stderr


@pytest.mark.parametrize("spelling", [
    ["-C", "repo", "install"],
    ["install", "-C", "repo"],
    ["-Crepo", "install"],
    ["install", "-Crepo"],
])
def test_directory_works_before_or_after_the_subcommand(repo: Path, spelling: list[str]) -> None:
    proc = benchguard(*spelling, cwd=repo.parent)

    assert proc.returncode == 0, proc.stderr
    assert (repo / ".git" / "hooks" / "pre-push").is_file()


def test_a_directory_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    proc = benchguard("show", "-C", "nowhere", cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "benchguard: error: -C nowhere: cannot change to that directory: "
        "No such file or directory")


# `python -m benchguard ARGS`, then the modules it imported (-X importtime does not see
# importlib.import_module)
RUN_AND_LIST_MODULES = """
import atexit, runpy, sys
atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))
sys.argv[0] = "benchguard"
runpy.run_module("benchguard", run_name="__main__")
"""


def imported_modules(*args: str, cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, *args], cwd=cwd,
                          capture_output=True, text=True, check=False)
    return set(proc.stderr.splitlines()[-1].split())


def commands_of(modules: set[str]) -> set[str]:
    return {name for name in modules if name.startswith("benchguard.commands.")
            and name != "benchguard.commands.output"}


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    bench = tmp_path / "bench.txt"
    bench.write_text("BenchmarkSum-8\t1000\t100 ns/op\n", encoding="utf-8")

    compare = imported_modules("compare", str(bench), str(bench), cwd=tmp_path)
    assert commands_of(compare) == {"benchguard.commands.compare"}
    assert "pathspec" not in compare  # path patterns need no library (config/paths.py)
    assert commands_of(imported_modules("--config", "x.toml", "-C", ".", "compare", "--help",
                                         cwd=tmp_path)) == {"benchguard.commands.compare"}


@pytest.mark.parametrize("argv, command", [
    (["check", "--pre-push", "origin"], "check"),
    (["-C", "check", "show"], "show"),  # "check" is the directory
    (["--config", "compare", "status"], "status"),
    (["--conf", "compare", "status"], "status"),
    (["--config=x.toml", "-Cdir", "sync"], "sync"),
    (["--", "show"], "show"),
    (["--help", "check"], None),  # the top-level help, listing every command
    (["--version"], None),
    (["bogus", "check"], None),  # argparse says "invalid choice"
    ([], None),
])
def test_the_command_is_found_as_argparse_finds_it(argv: list[str], command: str | None) -> None:
    assert command_named(argv) == command


def test_help_lists_every_command_wherever_help_is_asked(tmp_path: Path) -> None:
    for args in (["--help"], ["--help", "check"], ["-C", ".", "-h"]):
        proc = benchguard(*args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        for name, summary in COMMANDS.items():
            assert f"    {name}" in proc.stdout and summary[:40] in proc.stdout, (args, name)


def test_no_command_prints_the_help_and_exits_2(tmp_path: Path) -> None:
    proc = benchguard(cwd=tmp_path)

    assert proc.returncode == 2
    assert "usage: benchguard" in proc.stderr and "check" in proc.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_help_is_the_full_parsers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               name: str) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        build_parser().parse_args([name, "--help"])  # every command's arguments
    expected = capsys.readouterr().out

    proc = benchguard(name, "--help", cwd=tmp_path, env={"COLUMNS": "100"})

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert "-C DIR" in proc.stdout and "--config FILE" in proc.stdout


# --- one rule for threshold and alpha, in benchguard.toml and on the command line -------------


OPTIONS = {"threshold": option_type(values.parse_threshold, "threshold"),
           "alpha": option_type(values.parse_alpha, "alpha")}


@pytest.mark.parametrize("key, text", [
    *[("threshold", text) for text in ("5%", "0.05", "12.5%", "0", "0%", "1000%", " 5 %", "5",
                                       "1", "-1%", "-0.1", "lots", "nan", "inf%", "")],
    *[("alpha", text) for text in ("0.05", "0.001", "1e-6", "0", "1", "5%", "-0.5", "x")],
])
def test_the_config_and_the_command_line_share_one_rule(key: str, text: str) -> None:
    try:
        parsed = config.parse(f'count = 20\n{key} = "{text}"\n', filename="benchguard.toml")
        from_config: float | str = getattr(parsed, key)
    except BenchguardError as error:
        from_config = error.message.removeprefix("benchguard.toml:2: ")
    try:
        from_option: float | str = OPTIONS[key](text)
    except Exception as error:  # argparse.ArgumentTypeError
        from_option = str(error)

    assert from_option == from_config


@pytest.mark.parametrize("option, value, error", [
    ("--threshold", "5", "argument --threshold: threshold must be a percentage like \"5%\" or a "
     "fraction like 0.05, got '5' (a fraction must be below 1; did you mean \"5%\"?)"),
    ("--alpha", "1", "argument --alpha: alpha must be a number between 0 and 1 (exclusive), "
     "got '1'"),
])
def test_compare_rejects_what_the_config_rejects(tmp_path: Path, option: str, value: str,
                                                 error: str) -> None:
    bench = tmp_path / "bench.txt"
    bench.write_text("BenchmarkSum-8\t1000\t100 ns/op\n", encoding="utf-8")

    proc = benchguard("compare", str(bench), str(bench), option, value, cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == f"benchguard compare: error: {error}"
