"""Rows of docs/errors.md about running Go: no toolchain, broken builds, misbehaving benchmarks,
Ctrl-C, two checks at once. Each runs `benchguard check` or a real `git push`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import test_errors
from conftest import Project, interruptible, make_project
from test_errors import (
    FAST_CONFIG,
    NOTES_REF,
    assert_nothing_lost,
    commit_config,
    error_line,
    snapshot,
    warnings,
)

from benchguard.store.notes import NotesStore

BROKEN = "package hashing\n\nfunc Broken() int { return \"x\" }\n"

# the shared fixtures, used by name
fast_project = test_errors.fast_project
temp_dir = test_errors.temp_dir


def benchmark_file(body: str, *, imports: str = '"testing"') -> str:
    return f"package hashing\n\nimport ({imports})\n\n{textwrap.dedent(body)}"


def note_lines(project: Project, commit: str) -> list[str]:
    proc = project.sh(f"git notes --ref benchguard show {commit}", check=False)
    return proc.stdout.splitlines()


def test_no_go_on_path_exits_3_and_leaves_no_worktree(
    fast_project: Project, tmp_path: Path
) -> None:
    project = fast_project
    bin_dir = tmp_path / "only-git"
    bin_dir.mkdir()
    for tool in ("git", "sh", "bash", "cat", "mktemp", "rm", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    project.benchguard("install")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = project.sh("git push origin main", env={"PATH": str(bin_dir)}, check=False)

    assert proc.returncode != 0
    assert error_line(proc) == "go toolchain not found on PATH"
    assert_nothing_lost(project, before)
    assert project.benchguard("check", env={"PATH": str(bin_dir)}).returncode == 3


def test_a_compile_error_at_head_exits_3_with_gos_message(fast_project: Project) -> None:
    project = fast_project
    project.write({"hashing/broken.go": BROKEN})
    project.commit("broken")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 3
    line = error_line(proc)
    assert line.startswith("[head ") and line.endswith("] ./hashing: build failed"), line
    assert "hashing/broken.go:3" in proc.stderr  # go's own words follow the one line
    assert_nothing_lost(project, before)


def test_a_broken_go_mod_at_head_exits_3_naming_the_line(fast_project: Project) -> None:
    project = fast_project
    project.write({"go.mod": "module example.com/demo\n\ngo 1.21\n\nfoo bar\n"})
    project.commit("break go.mod")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 3
    line = error_line(proc)
    assert line.startswith("[head ") and line.endswith(
        "] ./hashing: go test failed (exit 1): go.mod:5: unknown directive: foo"), line
    assert_nothing_lost(project, before)

PANICS = benchmark_file("""
    func BenchmarkPanics(b *testing.B) {
        panic("the benchmark broke")
    }
""")


@pytest.mark.parametrize("file, content, problem", [
    ("hashing/broken.go", BROKEN, "build failed"),
    ("hashing/panics_test.go", PANICS, "a benchmark panicked"),
], ids=["compile error", "panic"])
def test_a_base_that_does_not_build_or_run_is_a_warning_so_the_fix_can_be_pushed(
    file: str, content: str, problem: str, fast_project: Project
) -> None:
    project = fast_project
    project.write({file: content})
    broken = project.commit("broken")
    project.sh("git push -q origin main")
    project.sh(f"git rm -q {file}")
    project.commit("fix it")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, proc.stderr
    said = warnings(proc)
    assert f"[base {broken[:12]}] ./hashing: {problem}; measuring the head alone" in said, said
    assert "is new: it has no base results" in proc.stdout, proc.stdout
    assert_nothing_lost(project, before, notes="grown")
    assert note_lines(project, broken) == []  # nothing measured, nothing stored
    # the head was measured, the check passed: it is kept for the next push
    assert [json.loads(line)["kind"] for line in note_lines(project, project.head())] == \
        ["baseline"]


def test_a_panicking_benchmark_exits_3_naming_its_package(fast_project: Project) -> None:
    project = fast_project
    project.write({"hashing/panics_test.go": PANICS})
    project.commit("a benchmark that panics")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 3
    assert error_line(proc).endswith("] ./hashing: a benchmark panicked")
    assert "the benchmark broke" in proc.stderr
    assert_nothing_lost(project, before)


# What a test binary prints reaches the terminal and the CI log: terminal escapes, and lines
# GitHub Actions reads as workflow commands (a warning, a mask that hides the log, stopping
# command processing), in the new and the old syntax.
HOSTILE_OUTPUT = [
    "::warning file=go.mod::all good, merge it",
    "  ::add-mask::benchguard",
    "##[error]fake failure",
    "::stop-commands::pwned",
    "\x1b]0;pwned\x07\x1b[2Jthe screen is cleared",
]


def test_what_a_failing_test_binary_prints_is_shown_inert(fast_project: Project) -> None:
    project = fast_project
    said = "\n".join(f"fmt.Println({json.dumps(line)})" for line in HOSTILE_OUTPUT)
    project.write({"hashing/main_test.go": benchmark_file(f"""
        func TestMain(m *testing.M) {{
            {said}
            os.Exit(1)
        }}
    """, imports='"fmt"; "os"; "testing"')})
    project.commit("a TestMain that prints what CI would obey")

    proc = project.benchguard("check")

    assert proc.returncode == 3
    assert error_line(proc).endswith(
        "./hashing: go test failed (exit 1): \\x1b]0;pwned\\x07\\x1b[2Jthe screen is cleared")
    assert "\x1b" not in proc.stderr + proc.stdout
    for line in (proc.stderr + proc.stdout).splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
    assert "\\x3a:warning file=go.mod::all good" in proc.stderr  # shown, as text


def test_a_benchmark_that_hangs_is_stopped_at_the_timeout_and_exits_3(
    fast_project: Project,
) -> None:
    project = fast_project
    commit_config(project, FAST_CONFIG.replace('timeout = "1m"', 'timeout = "1s"'))
    project.sh("git push -q origin main")
    project.write({"hashing/hangs_test.go": benchmark_file("""
        func BenchmarkHangs(b *testing.B) {
            time.Sleep(time.Hour)
        }
    """, imports='"testing"; "time"')})
    project.commit("a benchmark that hangs")
    before = snapshot(project)
    # The real entry point, with the 120 s allowed for building cut to 2 s.
    script = ("import benchguard.tools.go as go; go.KILL_GRACE_SECONDS = 2.0\n"
              "from benchguard.main import main; raise SystemExit(main(['check']))")

    proc = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True,
                          text=True, check=False, timeout=60)

    assert proc.returncode == 3
    assert error_line(proc).endswith(
        '] ./hashing: go test did not finish within timeout "1s" plus 2s to build, '
        "and was stopped")
    assert_nothing_lost(project, before)


def test_a_benchmark_that_prints_garbage_is_warned_about_and_still_compared(
    fast_project: Project,
) -> None:
    project = fast_project
    project.write({"hashing/noisy_test.go": benchmark_file("""
        func BenchmarkNoisy(b *testing.B) {
            fmt.Println("BenchmarkFake 10 lots ns/op")
            fmt.Println("Benchmark")
            os.Stdout.Write([]byte{0xff, 0xfe, 0x00, '\\n'})
            for i := 0; i < b.N; i++ {
                sink = Sum(nil)
            }
        }
    """, imports='"fmt"; "os"; "testing"')})
    project.commit("a noisy benchmark")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, proc.stderr
    assert "Sum-" in proc.stdout  # the other benchmark's results are intact
    bad = [line for line in proc.stdout.splitlines() if "invalid number 'lots'" in line]
    assert len(bad) == 1 and bad[0].startswith("warning: head "), proc.stdout  # once, not per run
    assert bad[0].endswith("./hashing:6: parsing measurement of BenchmarkFake: invalid number "
                           "'lots'"), bad
    assert_nothing_lost(project, before, notes="grown")


def test_a_benchmark_renamed_between_base_and_head_is_new_and_missing_not_a_failure(
    fast_project: Project,
) -> None:
    project = fast_project
    test_file = project.root / "hashing" / "hash_test.go"
    test_file.write_text(test_file.read_text().replace("BenchmarkSum", "BenchmarkSumAll"))
    project.commit("rename the benchmark")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, proc.stderr
    said = proc.stdout + "\n".join(warnings(proc))
    assert "BenchmarkSumAll-" in said and "is new" in said, said
    assert "BenchmarkSum-" in said and "is missing" in said, said
    assert_nothing_lost(project, before, notes="grown")


def test_a_package_that_does_not_exist_is_a_config_error_naming_the_entry(
    fast_project: Project,
) -> None:
    project = fast_project
    commit_config(project, FAST_CONFIG + '\n[[bench]]\npaths = ["cache/**"]\n'
                                         'package = "./cache"\n')
    project.sh("git push -q origin main")
    project.write({"cache/README.md": "soon\n"})
    head = project.commit("plan a cache")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 2, proc.stderr
    line = error_line(proc)
    assert line.startswith("benchguard.toml:"), line
    assert line.endswith(f"[[bench]] package ./cache has no Go files in module . at {head[:12]}")
    assert_nothing_lost(project, before)


def test_a_path_pattern_that_matches_nothing_is_a_warning(fast_project: Project) -> None:
    project = fast_project
    project.benchguard("install")
    commit_config(project, FAST_CONFIG.replace('paths = ["parse/**"]',
                                               'paths = ["prase/**", "parse/*.go"]'))
    before = snapshot(project)

    proc = project.sh("git push origin main", check=False)

    assert proc.returncode == 0, proc.stderr
    assert ("benchguard.toml:10: paths pattern 'prase/**' matches no file in "
            f"{project.head()[:12]}") in warnings(proc), proc.stderr
    assert_nothing_lost(project, before, notes="grown")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["Ctrl-C", "SIGTERM", "SIGHUP (terminal closed)"])
def test_ctrl_c_during_a_run_leaves_no_worktree_and_no_partial_note(
    signum: int, fast_project: Project, temp_dir: Path, tmp_path: Path
) -> None:
    project = fast_project
    started = tmp_path / "benchmark-started"
    project.write({"hashing/naps_test.go": benchmark_file("""
        func BenchmarkNaps(b *testing.B) {
            os.WriteFile(os.Getenv("STARTED_FILE"), []byte(strconv.Itoa(os.Getpid())), 0o644)
            for i := 0; i < b.N; i++ {
                time.Sleep(100 * time.Millisecond)
            }
        }
    """, imports='"os"; "strconv"; "testing"; "time"')})
    project.commit("a slow benchmark")
    before = snapshot(project)
    child = subprocess.Popen([sys.executable, "-m", "benchguard", "check"], cwd=project.root,
                             env={**os.environ, "STARTED_FILE": str(started)},
                             stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             preexec_fn=interruptible)
    deadline = time.monotonic() + 60
    while not (started.exists() and started.read_text()) and child.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    test_binary = int(started.read_text())
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)

    assert child.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "benchguard: interrupted", stderr
    assert_nothing_lost(project, before)
    assert not list(temp_dir.glob("go-build*"))
    assert not alive(test_binary), "the benchmark's test binary is still running"


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs, given a moment to finish dying (an orphan is reaped by init)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def test_two_checks_at_once_both_finish_and_both_baselines_are_kept(
    fast_project: Project,
) -> None:
    project = fast_project
    base = project.head()
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)
    command = [sys.executable, "-m", "benchguard", "check"]
    children = [subprocess.Popen(command, cwd=project.root, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    finished = [child.communicate(timeout=120) for child in children]

    for child, (_, stderr) in zip(children, finished, strict=True):
        assert child.returncode == 0, stderr
        assert "Traceback" not in stderr
    records, skipped = NotesStore(project.root, NOTES_REF).read(base)
    assert skipped == []
    assert [record.kind for record in records] == ["baseline", "baseline"]
    assert_nothing_lost(project, before, notes="grown")


def test_a_path_with_spaces_and_non_ascii_characters(tmp_path: Path, temp_dir: Path) -> None:
    place = tmp_path / "dépôt de l'équipe"
    place.mkdir()
    # make_project's shell lines do not quote paths: build the same project with argv lists.
    plain = make_project(tmp_path / "plain", config=FAST_CONFIG)
    remote, root = place / "remote ü.git", place / "work tree"
    subprocess.run(["git", "clone", "-q", "--bare", str(plain.remote), str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(root)], check=True)
    project = Project(root=root, remote=remote)
    assert project.benchguard("install").returncode == 0
    project.write({"hashing/doc.go": "package hashing\n", "docs/notes d'été.md": "ünïcode\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = subprocess.run(["git", "push", "origin", "main"], cwd=root, capture_output=True,
                          text=True, check=False)

    assert proc.returncode == 0, proc.stderr
    assert "Sum-" in proc.stdout + proc.stderr
    assert '"baseline"' in "\n".join(note_lines(project, "HEAD~1"))
    assert_nothing_lost(project, before, notes="grown")
    assert os.listdir(temp_dir) == []
