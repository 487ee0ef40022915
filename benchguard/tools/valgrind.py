"""Every valgrind command benchguard runs (the simulation instrument, docs/simulation.md): whether
it is here, its version, and one callgrind process over a simulated test binary."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard.engine.simulation import CacheConfig

HOW_TO_GET = ("install valgrind (apt-get install valgrind, dnf install valgrind) to simulate "
              "benchmarks instead of timing them: noise-free, and comparable across machines")


@functools.cache
def version() -> str | None:
    """valgrind's version ("valgrind-3.19.0"); None where it is not installed or does not run."""
    found = shutil.which("valgrind")
    if found is None:
        return None
    try:
        proc = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


@dataclass(frozen=True)
class Callgrind:
    """One finished callgrind process."""

    returncode: int
    stdout: str  # the test binary's output
    stderr: str  # valgrind's own and the binary's
    profile: str  # the profile's text ("" when it wrote none)
    cpu: float  # user + system seconds of the process
    seconds: float  # wall
    killed: bool = False


def callgrind(binary: Path, args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
              cache: CacheConfig, workdir: Path, tag: str, timeout: float | None = None
              ) -> Callgrind:
    """Run ``binary ARGS`` under callgrind with its cache and branch simulators and collection
    off until the program asks for it (the overlay's testing package does), in ``env`` alone;
    the profile goes to ``workdir``/``tag``.callgrind and is read back."""
    profile = workdir / f"{tag}.callgrind"
    command = ["valgrind", "--tool=callgrind", "--cache-sim=yes", "--branch-sim=yes",
               *_cache_args(cache), "--collect-atstart=no", "--collect-systime=nsec",
               "--combine-dumps=yes", f"--callgrind-out-file={profile}",
               str(binary.resolve()), *args]
    started = time.monotonic()
    with open(workdir / f"{tag}.stdout", "w+b") as out, open(workdir / f"{tag}.stderr",
                                                             "w+b") as err:
        process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err, start_new_session=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            kill()
            process.wait()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (stream.read().decode("utf-8", "replace") for stream in (out, err))
    text = profile.read_text(encoding="utf-8", errors="replace") if profile.exists() else ""
    return Callgrind(process.returncode, stdout, stderr, text, usage.ru_utime + usage.ru_stime,
                     time.monotonic() - started, killed.is_set())


def _cache_args(cache: CacheConfig) -> list[str]:
    return [f"--{name}={','.join(map(str, value))}"
            for name, value in (("I1", cache.i1), ("D1", cache.d1), ("LL", cache.ll))]
