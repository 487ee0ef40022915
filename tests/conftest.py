"""Hermetic test environment and builders for real git repositories and real Go modules."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

GO = shutil.which("go")
BENCHSTAT = shutil.which("benchstat") or (
    str(Path.home() / "go" / "bin" / "benchstat")
    if (Path.home() / "go" / "bin" / "benchstat").exists()
    else None
)
REAL_HOME = Path.home()


@pytest.fixture(scope="session")
def go_caches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Go build and module caches shared by the whole session (a fresh cache per test is slow)."""
    env = {}
    for name in ("GOCACHE", "GOMODCACHE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
            continue
        proc = subprocess.run(["go", "env", name], capture_output=True, text=True, check=False) \
            if GO else None
        value = proc.stdout.strip() if proc and proc.returncode == 0 else ""
        env[name] = value or str(tmp_path_factory.mktemp(name.lower()))
    return env


@pytest.fixture(autouse=True)
def hermetic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, go_caches: dict[str, str]
) -> Iterator[None]:
    """Nothing from the developer's machine leaks in: HOME, git config, identity, dates, colour."""
    isolate(monkeypatch, tmp_path / "home", go_caches)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(scope="module")
def module_root(tmp_path_factory: pytest.TempPathFactory, go_caches: dict[str, str]
                ) -> Iterator[Path]:
    """A directory for a module's shared fixture, in the same hermetic environment as a test
    (a module-scoped fixture is made before the function-scoped `hermetic` applies)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        root = tmp_path_factory.mktemp("shared")
        isolate(monkeypatch, root / "home", go_caches)
        yield root


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path, go_caches: dict[str, str]) -> None:
    home.mkdir()
    for key in list(os.environ):
        # CI's own variables too: a test of `benchguard ci` sets the ones it means
        if key.startswith(("GIT_", "BENCHGUARD_", "PRE_COMMIT", "GITHUB_", "GITLAB_", "CI_",
                           "RUNNER_", "INPUT_")) or key in ("CI", "GH_TOKEN"):
            monkeypatch.delenv(key)
    # the suite's tests are about timing unless they say otherwise (tests/test_simulation.py)
    monkeypatch.setenv("BENCHGUARD_INSTRUMENT", "time")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@example.com")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.delenv("GOMAXPROCS", raising=False)
    for name, value in go_caches.items():
        monkeypatch.setenv(name, value)
    if BENCHSTAT:
        monkeypatch.setenv("PATH", f"{Path(BENCHSTAT).parent}{os.pathsep}{os.environ['PATH']}")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = user@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )


def sh(script: str, *, cwd: Path, check: bool = True, env: dict[str, str] | None = None,
       input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a small bash script, the way a user would type it."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", textwrap.dedent(script)], cwd=cwd,
                          capture_output=True, text=True, env=full_env, input=input, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"script failed ({proc.returncode}):\n{script}\nstdout:\n{proc.stdout}\n"
            f"stderr:\n{proc.stderr}"
        )
    return proc


def benchguard(*args: str, cwd: Path, env: dict[str, str] | None = None,
               input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point, `python -m benchguard ARGS`."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "benchguard", *args], cwd=cwd,
                          capture_output=True, text=True, env=full_env, input=input, check=False)


def fake_go(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `go` that records each call and fails: proves a row never got as far as running go."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "go-calls"
    go = bin_dir / "go"
    go.write_text(f'#!/bin/sh\necho "go $*" >> "{calls}"\nexit 1\n', encoding="utf-8")
    go.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, calls


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


# A tiny Go module: `hashing` (benchmarked, imports `mathx`), `parse` (benchmarked),
# `mathx` (not benchmarked itself). Slow a function down by raising its `rounds` constant.
GO_MODULE: dict[str, str] = {
    "go.mod": """
        module example.com/demo

        go 1.21
    """,
    "mathx/mix.go": """
        package mathx

        // Rounds is how many mixing rounds Mix does; raising it slows every caller.
        const Rounds = 1

        func Mix(h, v uint64) uint64 {
        	for i := 0; i < Rounds; i++ {
        		h ^= v
        		h *= 1099511628211
        	}
        	return h
        }
    """,
    "hashing/hash.go": """
        package hashing

        import "example.com/demo/mathx"

        const rounds = 1

        func Sum(data []byte) uint64 {
        	var h uint64 = 14695981039346656037
        	for r := 0; r < rounds; r++ {
        		for _, b := range data {
        			h = mathx.Mix(h, uint64(b))
        		}
        	}
        	return h
        }
    """,
    "hashing/hash_test.go": """
        package hashing

        import "testing"

        var sink uint64

        func BenchmarkSum(b *testing.B) {
        	data := make([]byte, 4096)
        	for i := 0; i < b.N; i++ {
        		sink = Sum(data)
        	}
        }
    """,
    "parse/parse.go": """
        package parse

        const rounds = 1

        func Fields(s string) int {
        	n := 0
        	for r := 0; r < rounds; r++ {
        		for i := 0; i < len(s); i++ {
        			if s[i] == ',' {
        				n++
        			}
        		}
        	}
        	return n
        }
    """,
    "parse/parse_test.go": """
        package parse

        import (
        	"strings"
        	"testing"
        )

        var sink int

        func BenchmarkFields(b *testing.B) {
        	s := strings.Repeat("a,b,", 1024)
        	for i := 0; i < b.N; i++ {
        		sink = Fields(s)
        	}
        }
    """,
}

# The tests' threshold. At benchtime 2000x a run lasts ~100 µs, and on a shared 2-core machine two
# runs of one binary seconds apart differ by ~33% (standard deviation of the log ratio, measured):
# alpha = 0.05 then lets unchanged code block now and then, as it is meant to (seen in CI under
# `pytest -n 2`). Every slowdown the tests make is 2× or more, well past 50%; a test about the
# threshold itself sets its own.
THRESHOLD = "50%"

DEFAULT_CONFIG = f"""
    count = 6
    benchtime = "2000x"
    threshold = "{THRESHOLD}"
    alpha = 0.05
    timeout = "2m"

    [[bench]]
    paths = ["hashing/**"]
    package = "./hashing"
    pattern = "BenchmarkSum"

    [[bench]]
    paths = ["parse/**"]
    package = "./parse"
"""


def interruptible() -> None:
    """Popen's preexec_fn for a child the test interrupts: Ctrl-C at a terminal reaches a process
    whose SIGINT is handled by default, but a shell that started the test suite in the background
    (`nohup …&`, `( … & )`) left SIGINT ignored, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def slow_down(root: Path, relative: str, factor: int, constant: str = "rounds") -> None:
    """Make a function `factor` times slower by raising its rounds constant."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    old = f"const {constant} = 1"
    assert old in text, f"{relative} has no '{old}'"
    path.write_text(text.replace(old, f"const {constant} = {factor}"), encoding="utf-8")


@dataclass
class Project:
    """A clone with a bare remote `origin`, both on disk."""

    root: Path
    remote: Path

    def sh(self, script: str, *, check: bool = True, env: dict[str, str] | None = None,
           input: str | None = None) -> subprocess.CompletedProcess[str]:
        return sh(script, cwd=self.root, check=check, env=env, input=input)

    def benchguard(self, *args: str, env: dict[str, str] | None = None,
                   input: str | None = None) -> subprocess.CompletedProcess[str]:
        return benchguard(*args, cwd=self.root, env=env, input=input)

    def write(self, files: dict[str, str]) -> None:
        write(self.root, files)

    def commit(self, message: str) -> str:
        self.sh(f"git add -A && git commit -q -m {message!r}")
        return self.sh("git rev-parse HEAD").stdout.strip()

    def head(self) -> str:
        return self.sh("git rev-parse HEAD").stdout.strip()

    def remote_sha(self, ref: str = "refs/heads/main") -> str:
        return sh(f"git rev-parse {ref}", cwd=self.remote).stdout.strip()


def make_project(base: Path, *, config: str | None = DEFAULT_CONFIG,
                 files: dict[str, str] | None = None) -> Project:
    """A Go module committed on main and pushed to a bare remote."""
    root = base / "work"
    remote = base / "remote.git"
    root.mkdir(parents=True)
    sh(f"git init -q --bare {remote}", cwd=base)
    sh("git init -q", cwd=root)
    write(root, files if files is not None else GO_MODULE)
    if config is not None:
        write(root, {"benchguard.toml": config})
    sh(f"""
        git add -A
        git commit -q -m initial
        git remote add origin {remote}
        git push -q -u origin main
    """, cwd=root)
    return Project(root=root, remote=remote)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    return make_project(tmp_path)
