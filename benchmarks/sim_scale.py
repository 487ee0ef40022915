"""Scale: a push to a repository shaped like uber-go/zap (tests/zaplike.py) — one file of
its core package changed, which selects four packages in two modules — checked within the
default 4m budget on this machine, every selected benchmark checked (benchmarks/README.md,
"Simulation").

    python benchmarks/sim_scale.py [--budget 4m]

No benchguard.toml (every setting at its default: instrument "auto", count 6, benchtime 1s,
budget 4m, go's own file lists select the packages). A baseline of the base is recorded
(`benchguard baseline`: simulated where simulation sees, timed where it cannot: RunParallel
scenarios, write syncers that wait); then two pushes, each checked with `benchguard check --base
BASE --format json`: a comment in zapcore/json_encoder.go (nothing changes: it must pass), and the
encoder copying every string to the heap (issue 24's real regression: one more allocs/op per
string; it must block). Prints each check's wall time against the budget, how many benchmarks
were simulated and timed, what was left unchecked, and its status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import realgo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import zaplike  # a test fixture, shared with the tests


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def git(root: Path, *args: str) -> str:
    proc = run(["git", *args], root)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return proc.stdout.strip()


def check(root: Path, base: str, budget: str) -> tuple[dict[str, Any], float, str]:
    began = time.monotonic()
    proc = run([sys.executable, "-m", "benchguard", "check", "--base", base, "--format", "json"],
               root)
    seconds = time.monotonic() - began
    if not proc.stdout.strip().startswith("{"):
        raise SystemExit(f"check failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    [found] = json.loads(proc.stdout)["checks"]
    return found, seconds, proc.stderr


def describe(name: str, found: dict[str, Any], seconds: float, budget: str) -> None:
    by_instrument: dict[str, set[str]] = {}
    for entry in found["benchmarks"]:
        by_instrument.setdefault(entry["instrument"], set()).add(
            f"{entry['package']}.{entry['name']}-{entry['procs']}")
    blocked = sorted({f"{entry['name']} {entry['metric']} " + (
        "?" if entry["delta"] is None else f"{entry['delta']:+.0%}")
        for entry in found["benchmarks"] if entry["verdict"] == "regression"})
    selected = sorted({step["package"] for step in found["plan"]["steps"]})
    print(f"{name}: {found['status']} in {seconds:.0f}s (budget {budget}); selected "
          f"{', '.join(selected)}; {len(by_instrument.get('simulation', ()))} benchmarks "
          f"simulated, {len(by_instrument.get('time', ()))} timed; unchecked: "
          f"{[u['package'] + ' ' + u['reason'] for u in found['unchecked']] or 'none'}")
    for selection, rounds in found["rounds"].items():
        spent = sum(side["build"] + side["run"] for side in rounds["seconds"].values())
        print(f"    {selection}: {rounds['instrument']}, {rounds['measure']}, {spent:.0f}s")
    if blocked:
        print(f"    blocked: {', '.join(blocked[:6])}{' …' if len(blocked) > 6 else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", default="4m")
    args = parser.parse_args()
    realgo.git_identity()
    with tempfile.TemporaryDirectory(prefix="sim-scale-") as tmp:
        layout = zaplike.write(Path(tmp) / "zap")
        root = layout.root
        if args.budget != "4m":
            (root / "benchguard.toml").write_text(f'budget = "{args.budget}"\n')
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "zaplike")
        base = git(root, "rev-parse", "HEAD")
        began = time.monotonic()
        proc = run([sys.executable, "-m", "benchguard", "baseline"], root)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-3000:])
        print(f"baseline of the base: {time.monotonic() - began:.0f}s "
              f"({layout.benchmark_count} benchmarks)", flush=True)
        for name, knobs in (("a comment in zapcore/json_encoder.go", {"comment_revision": 1}),
                            ("the encoder copies every string to the heap",
                             {"allocating_encoder": True})):
            git(root, "checkout", "-q", "--detach", base)
            zaplike.write(root, **knobs)
            git(root, "commit", "-q", "-am", name)
            found, seconds, _ = check(root, base, args.budget)
            describe(name, found, seconds, args.budget)
            print(f"    load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
                  flush=True)


if __name__ == "__main__":
    main()
