"""Facts about this machine that results depend on: its CPU, its cores, how busy it is."""

from __future__ import annotations

import os
import platform
import subprocess
import sys


def cpu_name() -> str:
    """The CPU model, as `go test` prints it on its "cpu:" line where it can be read.

    On macOS platform.processor() says only "arm" or "i386" (an M1 and an M3 look alike), so
    the brand string comes from sysctl."""
    if sys.platform == "darwin":  # pragma: no cover - not Linux
        try:
            proc = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"],
                                  capture_output=True, text=True, check=False, timeout=5)
        except (OSError, subprocess.SubprocessError):
            proc = None
        if proc is not None and proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gomaxprocs() -> int:
    """The GOMAXPROCS a benchmark run here gets: $GOMAXPROCS, else the usable cores."""
    value = os.environ.get("GOMAXPROCS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not Linux


def cores() -> int:
    return os.cpu_count() or 1


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages; None where the platform has none (Windows)."""
    getloadavg = getattr(os, "getloadavg", None)
    if getloadavg is None:  # pragma: no cover - Windows
        return None
    try:
        one, five, fifteen = getloadavg()
    except OSError:  # pragma: no cover - unavailable
        return None
    return (one, five, fifteen)
