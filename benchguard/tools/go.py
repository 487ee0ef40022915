"""Every go command benchguard runs goes through this module."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.redact import is_secret_name
from benchguard.tools import git, machine

# How long past the configured timeout `go test` may run before it is stopped: the time to
# build the test binary counts, and go's own -timeout no longer covers benchmarks (Go 1.26's
# testing.M stops its alarm before running them), so this wall clock is the only limit.
KILL_GRACE_SECONDS = 120.0
# How long go gets to clean up after an interrupt before it is killed.
STOP_SECONDS = 5.0

_BENCHMARK_FUNC = re.compile(rb"^func\s+Benchmark(?![a-z])\w*\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class Fingerprint:
    """The machine and toolchain a set of results came from; baselines match on it."""

    goos: str
    goarch: str
    cpu: str
    go_version: str
    gomaxprocs: int


@dataclass(frozen=True)
class GoPackage:
    """One package as `go list` sees it with one set of build tags."""

    import_path: str
    directory: str  # relative to the repository root: "." or "./hashing"; "" outside it
    main: bool  # in one of the listed (main or workspace) modules: its benchmarks can run here
    imports: tuple[str, ...]  # direct imports of its non-test files
    test_imports: tuple[str, ...]  # direct imports of its _test.go files, both test packages
    has_benchmarks: bool
    # packages in the repository its test binary is built from (transitively), itself excluded
    deps: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # repository-relative files built into the package
    test_files: tuple[str, ...] = ()  # files only its test binary is built from
    ignored: tuple[str, ...] = ()  # files of its directory these build tags leave out
    error: str = ""  # why go could not load it or one of its dependencies (go list -e)


@dataclass(frozen=True)
class GoResult:
    args: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr interleaved, as a terminal would show them
    seconds: float
    killed: bool = False  # stopped at the wall-clock limit


def executable() -> str:
    go = shutil.which("go")
    if go is None:
        raise BenchguardError("go toolchain not found on PATH", exit_code=EXIT_BENCH_FAILED)
    return go


def environment() -> dict[str, str]:
    """The user's environment (GOFLAGS, GOTOOLCHAIN, … as they are) minus git's hook variables
    and every secret-named variable (redact.is_secret_name): go builds and runs the code under
    test — a pull request's, in CI — which must not be handed GITHUB_TOKEN and the like."""
    return {name: value for name, value in git.clean_env().items()
            if not is_secret_name(name)}


def fingerprint(tree: Path | None = None) -> Fingerprint:
    """This machine's fingerprint, cached per process (per tree: go.mod may pick the toolchain)."""
    return _fingerprint(str(tree) if tree is not None else None)


@functools.cache
def _fingerprint(tree: str | None) -> Fingerprint:
    proc = subprocess.run([executable(), "env", "GOOS", "GOARCH", "GOVERSION"], cwd=tree,
                          capture_output=True, text=True, env=environment(), check=False)
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 3:
        raise BenchguardError("go env GOOS GOARCH GOVERSION failed", exit_code=EXIT_BENCH_FAILED,
                              detail=proc.stderr)
    return Fingerprint(goos=lines[0].strip(), goarch=lines[1].strip(), cpu=machine.cpu_name(),
                       go_version=lines[2].strip(), gomaxprocs=machine.gomaxprocs())


@dataclass(frozen=True)
class Toolchain:
    """What `go env` says of the toolchain that builds in a tree."""

    goroot: str
    goos: str
    goarch: str
    goamd64: str  # "" off amd64
    version: str  # "go1.26.8"


def toolchain(tree: Path) -> Toolchain:
    """The toolchain go picks in ``tree`` (go.mod may name another), cached per process."""
    return _toolchain(str(tree))


@functools.cache
def _toolchain(tree: str) -> Toolchain:
    names = ("GOROOT", "GOOS", "GOARCH", "GOAMD64", "GOVERSION")
    proc = subprocess.run([executable(), "env", *names], cwd=tree, capture_output=True,
                          text=True, env=environment(), check=False)
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < len(names):
        raise BenchguardError(f"go env {' '.join(names)} failed", exit_code=EXIT_BENCH_FAILED,
                              detail=proc.stderr)
    return Toolchain(*(line.strip() for line in lines[:len(names)]))


def list_packages(tree: Path, *, directory: str = ".", patterns: Sequence[str] = ("./...",),
                  tags: Sequence[str] = ()) -> list[GoPackage]:
    """The packages ``patterns`` name, run from ``directory`` (a module's root, relative to the
    repository root ``tree``), with everything they depend on and which files build each."""
    # Naming the fields lets go skip computing the others (staleness needs every file hashed):
    # half the time of a bare -json.
    args = ["list", "-e", "-deps", "-test", "-json=" + ",".join(_LIST_FIELDS)]
    if tags:
        args.append("-tags=" + ",".join(tags))
    result = run([*args, "--", *patterns], cwd=tree / directory)
    if result.returncode != 0:
        said = [line for line in result.output.strip().splitlines() if line.strip()]
        # not naming ``tree``: it is often a temporary worktree, gone by the time this is read
        where = "the workspace" if len(patterns) > 1 else f"module {directory}"
        raise BenchguardError(f"go list in {where} failed: {said[-1] if said else 'no output'}",
                              exit_code=EXIT_BENCH_FAILED, detail=result.output)
    return _packages(_json_stream(result.output), Path(tree).resolve())


_FILE_FIELDS = ("GoFiles", "CgoFiles", "CFiles", "CXXFiles", "MFiles", "HFiles", "FFiles",
                "SFiles", "SwigFiles", "SwigCXXFiles", "SysoFiles", "EmbedFiles")
_TEST_FILE_FIELDS = ("TestGoFiles", "XTestGoFiles", "TestEmbedFiles", "XTestEmbedFiles")
_IGNORED_FIELDS = ("IgnoredGoFiles", "IgnoredOtherFiles")
_LIST_FIELDS = ("ImportPath", "Dir", "Name", "ForTest", "Module", "Imports", "TestImports",
                "XTestImports", "Deps", "Error", "DepsErrors", *_FILE_FIELDS, *_TEST_FILE_FIELDS,
                *_IGNORED_FIELDS)


def _json_stream(text: str) -> list[dict[str, Any]]:
    """`go list -json` prints one JSON object after another, not a JSON array."""
    decoder = json.JSONDecoder()
    objects = []
    index = text.find("{")
    while index != -1:
        value, index = decoder.raw_decode(text, index)
        objects.append(value)
        index = text.find("{", index)
    return objects


def _packages(objects: list[dict[str, Any]], root: Path) -> list[GoPackage]:
    plain = [obj for obj in objects if not obj.get("ForTest") and " " not in obj["ImportPath"]]
    # "x.test" is the test binary of x: its Deps are everything the benchmarks are built from.
    test_mains = {obj["ImportPath"]: obj for obj in plain if obj.get("Name") == "main"
                  and obj["ImportPath"].endswith(".test")}
    directories = {obj["ImportPath"]: _relative(Path(obj["Dir"]).resolve(), root)
                   for obj in plain if obj.get("Dir")}
    own = {path for path, directory in directories.items() if directory}
    packages = []
    for obj in plain:
        path = obj["ImportPath"]
        if path in test_mains:
            continue
        directory = directories.get(path, "")
        binary = test_mains.get(f"{path}.test")
        deps = {dep.split(" ", 1)[0] for dep in (binary or obj).get("Deps") or ()}
        folder = Path(obj["Dir"]) if obj.get("Dir") else root
        packages.append(GoPackage(
            import_path=path,
            directory=directory,
            main=bool((obj.get("Module") or {}).get("Main")),
            imports=tuple(obj.get("Imports") or ()),
            test_imports=tuple(dict.fromkeys([*(obj.get("TestImports") or ()),
                                              *(obj.get("XTestImports") or ())])),
            has_benchmarks=_has_benchmarks(
                folder, [*(obj.get("TestGoFiles") or ()), *(obj.get("XTestGoFiles") or ())]),
            deps=tuple(sorted(dep for dep in deps if dep in own and dep != path)),
            files=_files(directory, obj, _FILE_FIELDS),
            test_files=_files(directory, obj, _TEST_FILE_FIELDS),
            ignored=_files(directory, obj, _IGNORED_FIELDS),
            error=_error(obj, binary),
        ))
    return packages


def _files(directory: str, obj: dict[str, Any], fields: Sequence[str]) -> tuple[str, ...]:
    """The files ``fields`` of a package name, relative to the repository root (none for a
    package outside it)."""
    if not directory:
        return ()
    prefix = "" if directory == "." else directory.removeprefix("./") + "/"
    return tuple(dict.fromkeys(prefix + name for key in fields for name in obj.get(key) or ()))


def _error(obj: dict[str, Any], binary: dict[str, Any] | None) -> str:
    """go's reason a package (or its test binary) cannot be built, "" when there is none."""
    for found in (obj, binary or {}):
        error = found.get("Error") or next(iter(found.get("DepsErrors") or ()), None)
        if error:
            return str(error.get("Err") or "").strip() or "go list reported an error"
    return ""


def _relative(directory: Path, root: Path) -> str:
    try:
        relative = directory.relative_to(root).as_posix()
    except ValueError:
        return ""
    return "." if relative == "." else f"./{relative}"


def _has_benchmarks(directory: Path, test_files: Sequence[str]) -> bool:
    for name in test_files:
        try:
            if _BENCHMARK_FUNC.search((directory / name).read_bytes()):
                return True
        except OSError:
            continue
    return False


def run(
    args: Sequence[str],
    *,
    cwd: Path | str,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
) -> GoResult:
    """Run ``go ARGS`` (never through a shell), capturing its output and passing each line to
    ``on_line`` as it arrives. After ``timeout`` seconds of wall clock the whole process group
    is stopped; so is it on Ctrl-C, before KeyboardInterrupt propagates."""
    return run_program(executable(), args, cwd=cwd, timeout=timeout, on_line=on_line)


def run_program(
    program: str,
    args: Sequence[str],
    *,
    cwd: Path | str,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> GoResult:
    """As :func:`run`, for a program go built (a test binary from `go test -c`); ``env``
    replaces the user's environment (a simulated binary's probe runs in a fixed one)."""
    command = [program, *args]
    started = time.monotonic()
    # A session of its own: go, the compiler and the test binary die together when we kill it,
    # and a Ctrl-C in the terminal reaches only us, so we decide how they end.
    process = subprocess.Popen(command, cwd=cwd, env=environment() if env is None else dict(env),
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        _stop(process)

    timer = threading.Timer(timeout, kill) if timeout else None
    lines: list[str] = []
    try:
        if timer is not None:
            timer.daemon = True
            timer.start()
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace")
            lines.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
        returncode = process.wait()
    except BaseException:
        _stop(process)
        raise
    finally:
        if timer is not None:
            timer.cancel()
        if process.stdout is not None:
            process.stdout.close()
    return GoResult(args=tuple(args), returncode=returncode, output="".join(lines),
                    seconds=time.monotonic() - started, killed=killed.is_set())


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt go's process group as Ctrl-C would, so go removes its temporary build
    directory; kill it if it is still there a few seconds later."""
    _signal_group(process, signal.SIGINT)
    try:
        process.wait(timeout=STOP_SECONDS)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
