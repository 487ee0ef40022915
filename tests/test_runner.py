from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import GO, Project, interruptible, make_project, write

from benchguard.engine.benchfmt import BenchKey
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Collector
from benchguard.push.runner import RunSettings, RunSpec, run_commit, run_in_tree
from benchguard.tools import go

pytestmark = pytest.mark.skipif(GO is None, reason="go is not installed")

FAST = RunSettings(count=2, benchtime="100x", timeout="1m")

# Benchmarks that misbehave, each on demand: run one at a time with its own pattern.
TROUBLE_MODULE = {
    "go.mod": "module example.com/trouble\n\ngo 1.21\n",
    "trouble/trouble_test.go": """
        package trouble

        import (
            "fmt"
            "os"
            "testing"
            "time"
        )

        func BenchmarkPanics(b *testing.B) {
            panic("the benchmark broke")
        }

        // notePid leaves the test binary's pid where a test can find it.
        func notePid() {
            if path := os.Getenv("PID_FILE"); path != "" {
                os.WriteFile(path, []byte(fmt.Sprint(os.Getpid())), 0o644)
            }
        }

        func BenchmarkHangs(b *testing.B) {
            notePid()
            time.Sleep(time.Hour)
        }

        func BenchmarkNaps(b *testing.B) {
            notePid()
            for i := 0; i < b.N; i++ {
                time.Sleep(100 * time.Millisecond)
            }
        }
    """,
}


def worktrees(project: Project) -> list[str]:
    return project.sh("git worktree list").stdout.splitlines()


def test_runs_the_benchmarks_of_a_commit_in_a_worktree_and_removes_it(
    project: Project
) -> None:
    # The working tree does not even compile; HEAD does, and HEAD is what runs.
    project.write({"hashing/hash.go": "package hashing\n\nfunc Sum( {\n"})
    specs = [RunSpec("./hashing", "BenchmarkSum"), RunSpec("./parse"),
             RunSpec("./parse", "BenchmarkNothingLikeThis"), RunSpec("./mathx")]

    told = Collector()
    result = run_commit(project.root, project.head(), specs, FAST, label="head 1a2b3c4",
                        reporter=told)

    sum_key = next(series for series in result.benchmarks.samples
                   if series.bench.name == "BenchmarkSum" and series.unit == "sec/op")
    assert sum_key.bench == BenchKey("example.com/demo/hashing", "BenchmarkSum",
                                     go.fingerprint().gomaxprocs)
    assert {series.unit for series in result.benchmarks.samples} == {
        "sec/op", "B/op", "allocs/op"}
    assert all(len(values) == 2 for values in result.benchmarks.samples.values())
    assert result.packages == {
        "./hashing": "example.com/demo/hashing",
        "./parse": "example.com/demo/parse",
        "./mathx": "example.com/demo/mathx",
    }
    assert {series.bench.name for series in result.by_spec[specs[0]].samples} == {"BenchmarkSum"}
    assert {series.bench.name for series in result.by_spec[specs[1]].samples} == {
        "BenchmarkFields"}
    assert not result.by_spec[specs[2]].samples
    assert "ok  \texample.com/demo/parse" in result.output
    assert result.fingerprint == go.fingerprint()
    # The fingerprint, computed without running anything, agrees with what go test printed.
    printed = result.benchmarks.configuration
    assert (printed["goos"], printed["goarch"], printed["cpu"]) == (
        result.fingerprint.goos, result.fingerprint.goarch, result.fingerprint.cpu)

    assert "[head 1a2b3c4] ./hashing: running BenchmarkSum (count 2)…" in told.progressed
    assert "[head 1a2b3c4] ./parse: running all benchmarks (count 2)…" in told.progressed
    assert any(line.startswith("[head 1a2b3c4] ./hashing: 1 benchmark × 2 runs in ")
               for line in told.progressed)
    # A pattern that matches nothing is worth a warning, not a failed push.
    assert ("[head 1a2b3c4] ./parse: no benchmark matches -bench 'BenchmarkNothingLikeThis'"
            in told.warnings)
    assert len(result.warnings) == 2
    assert set(result.warnings) <= set(told.warnings)  # the reporter was told each one
    assert len(worktrees(project)) == 1


def test_list_packages_knows_imports_test_imports_and_benchmarks(project: Project) -> None:
    project.write({"parse/extra_test.go": """
        package parse_test

        import "example.com/demo/mathx"

        var _ = mathx.Rounds
    """})

    listed = go.list_packages(project.root)
    packages = {package.directory: package for package in listed if package.main}

    assert set(packages) == {"./hashing", "./parse", "./mathx"}
    assert all(not package.directory for package in listed if not package.main)  # the std
    hashing, parse, mathx = packages["./hashing"], packages["./parse"], packages["./mathx"]
    assert hashing.import_path == "example.com/demo/hashing"
    assert "example.com/demo/mathx" in hashing.imports and "testing" in hashing.test_imports
    assert "example.com/demo/mathx" in parse.test_imports  # through its external test package
    assert "example.com/demo/mathx" not in parse.imports
    assert parse.deps == ("example.com/demo/mathx",)
    assert (hashing.has_benchmarks, parse.has_benchmarks, mathx.has_benchmarks) == (
        True, True, False)
    assert hashing.files == ("hashing/hash.go",)
    assert hashing.test_files == ("hashing/hash_test.go",)
    assert parse.test_files == ("parse/parse_test.go", "parse/extra_test.go")


def test_a_commit_that_does_not_compile_fails_with_gos_message(project: Project) -> None:
    project.write({"hashing/hash.go": "package hashing\n\nfunc Sum() uint64 { return missing }\n"})
    broken = project.commit("break hashing")
    specs = [RunSpec("./hashing"), RunSpec("./parse")]

    with pytest.raises(BenchguardError) as caught:
        run_commit(project.root, broken, specs, FAST, label="head 0badc0d",
                   reporter=Collector())
    assert caught.value.exit_code == EXIT_BENCH_FAILED
    assert caught.value.message == "[head 0badc0d] ./hashing: build failed"
    assert "undefined: missing" in caught.value.detail
    assert len(worktrees(project)) == 1

    # keep_going: the broken package is reported and the others still run.
    told = Collector()
    result = run_commit(project.root, broken, specs, FAST, label="head", keep_going=True,
                        reporter=told)
    assert "[head] ./hashing: build failed" in told.warnings
    assert list(result.failures) == [specs[0]]
    assert list(result.by_spec) == [specs[1]]
    assert len(worktrees(project)) == 1


@pytest.fixture
def trouble(tmp_path: Path) -> Path:
    root = tmp_path / "trouble"
    write(root, TROUBLE_MODULE)
    return root


def test_a_panicking_benchmark_fails_naming_its_package(trouble: Path) -> None:
    with pytest.raises(BenchguardError) as caught:
        run_in_tree(trouble, [RunSpec("./trouble", "BenchmarkPanics")], FAST, label="base",
                    reporter=Collector())
    assert caught.value.exit_code == EXIT_BENCH_FAILED
    assert caught.value.message == "[base] ./trouble: a benchmark panicked"
    assert "panic: the benchmark broke" in caught.value.detail
    assert len(caught.value.detail.splitlines()) <= 20


def test_a_benchmark_that_outlives_the_timeout_is_stopped(
    trouble: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # go test's own -timeout does not cover benchmarks, so benchguard's clock is the limit.
    pid_file = tmp_path / "benchmark.pid"
    monkeypatch.setenv("PID_FILE", str(pid_file))
    settings = RunSettings(count=1, benchtime="1x", timeout="1s", grace_seconds=2)

    started = time.monotonic()
    with pytest.raises(BenchguardError) as caught:
        run_in_tree(trouble, [RunSpec("./trouble", "BenchmarkHangs")], settings, label="base",
                    reporter=Collector())
    assert time.monotonic() - started < 15
    assert caught.value.exit_code == EXIT_BENCH_FAILED
    assert caught.value.message == (
        '[base] ./trouble: go test did not finish within timeout "1s" plus 2s to build, '
        "and was stopped")
    assert not alive(benchmark_pid(pid_file))


def test_no_go_on_path_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BenchguardError) as caught:
        run_in_tree(tmp_path, [RunSpec("./x")], FAST, label="head", reporter=Collector())
    assert caught.value.message == "go toolchain not found on PATH"
    assert caught.value.exit_code == EXIT_BENCH_FAILED


def test_ctrl_c_during_a_run_removes_the_worktree_and_stops_go(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", config=None, files=TROUBLE_MODULE)
    temp = tmp_path / "temp"
    temp.mkdir()
    pid_file = tmp_path / "benchmark.pid"
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from benchguard.commands.output import STDERR
        from benchguard.push.runner import RunSettings, RunSpec, run_commit
        run_commit(Path({str(project.root)!r}), "HEAD", [RunSpec("./trouble", "BenchmarkNaps")],
                   RunSettings(count=1, benchtime="600x", timeout="5m"), label="head",
                   reporter=STDERR, on_line=lambda line: print(line, file=sys.stderr, flush=True))
    """)
    env = {**os.environ, "TMPDIR": str(temp), "PID_FILE": str(pid_file)}
    child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True,
                             env=env, preexec_fn=interruptible)
    assert child.stderr is not None
    seen = []
    for line in child.stderr:  # wait until the benchmark itself is running
        seen.append(line)
        if line.startswith("pkg: "):
            break
    assert any("./trouble: running BenchmarkNaps" in line for line in seen), seen
    child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    child.stderr.close()

    assert child.returncode != 0
    assert len(worktrees(project)) == 1
    assert list(temp.iterdir()) == []
    deadline = time.monotonic() + 5
    while alive(benchmark_pid(pid_file)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(benchmark_pid(pid_file))


def benchmark_pid(pid_file: Path) -> int:
    return int(pid_file.read_text(encoding="utf-8") or 0)


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for a parent to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    return "State:\tZ" not in status
