"""Cost: a code push checked under simulation against a stored simulated baseline recorded in
another clone with another HOME, against the raw `go test` of its selection at benchguard's
defaults (count 6, benchtime 1s), side by side in one run (benchmarks/README.md, "Simulation").

    python benchmarks/sim_cost.py [--module xxhash] [--pushes 3]

The module (real Go code, copied out of the module cache) becomes a repository with a bare
remote and no benchguard.toml (every setting at its default: instrument "auto", count 6,
benchtime 1s). A first clone, with a HOME of its own, records the baseline (`benchguard baseline
--push`); a second clone, with another HOME, fetches the notes (`benchguard sync`), installs the
hook, and pushes code changes (a function added to the module's main file, which selects its
package) one after another, each `git push` timed; alternating with each push, the raw
`go test -run '^$' -bench . -count 6 -benchtime 1s -benchmem` of the packages that push selected
(from `check --dry-run --format json`) on the head alone. Prints both medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import realgo


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc


def home(path: Path) -> dict[str, str]:
    path.mkdir(parents=True)
    return {"HOME": str(path), "XDG_CONFIG_HOME": str(path / ".config")}


def benchguard(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "benchguard", *args], cwd, env)


def repositories(work: Path, module: str) -> tuple[Path, dict[str, str]]:
    """The remote, the recording clone (its baseline pushed), and the pushing clone (the
    notes fetched, the hook installed); returns the pushing clone and its environment."""
    source = realgo.module(module, work)
    remote = work / "remote.git"
    run(["git", "init", "-q", "--bare", str(remote)], work)
    run(["git", "init", "-q"], source)
    run(["git", "add", "-A"], source)
    run(["git", "commit", "-q", "-m", "import"], source)
    run(["git", "remote", "add", "origin", str(remote)], source)
    run(["git", "push", "-q", "-u", "origin", "main"], source)
    recording = home(work / "home-ci")
    proc = benchguard("baseline", "--push", cwd=source, env=recording)
    print(f"baseline, first clone: {proc.stderr.strip().splitlines()[-2:]}", flush=True)
    clone = work / "laptop"
    laptop = home(work / "home-laptop")
    run(["git", "clone", "-q", str(remote), str(clone)], work, laptop)
    benchguard("sync", cwd=clone, env=laptop)
    benchguard("install", cwd=clone, env=laptop)
    return clone, laptop


def main_file(clone: Path) -> Path:
    names = [path for path in clone.glob("*.go") if not path.name.endswith("_test.go")]
    return max(names, key=lambda path: path.stat().st_size)


def push(clone: Path, env: dict[str, str], number: int) -> tuple[float, str, list[str]]:
    """One code push through the hook; its seconds, the hook's last lines, the packages it
    selected."""
    target = main_file(clone)
    target.write_text(target.read_text() + f"\nfunc added{number}() int {{ return {number} }}\n")
    run(["git", "commit", "-q", "-am", f"code {number}"], clone)
    planned = benchguard("check", "--dry-run", "--format", "json", cwd=clone, env=env)
    [check] = json.loads(planned.stdout)["checks"]
    packages = [step["package"] for step in check["plan"]["steps"]]
    began = time.monotonic()
    proc = run(["git", "push", "-q", "origin", "HEAD:main"], clone, env, check=False)
    seconds = time.monotonic() - began
    if proc.returncode != 0:
        raise SystemExit(f"the push was refused:\n{proc.stderr[-3000:]}")
    said = [line for line in proc.stderr.splitlines() if "simulat" in line or "timed" in line]
    return seconds, "\n    ".join(said[-3:]), packages


def raw(clone: Path, packages: list[str]) -> float:
    began = time.monotonic()
    run(["go", "test", "-run", "^$", "-bench", ".", "-count", "6", "-benchtime", "1s",
         "-benchmem", *packages], clone)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--module", default="xxhash")
    parser.add_argument("--pushes", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: nothing to simulate")
    realgo.git_identity()
    pushes, raws, loads = [], [], []
    with tempfile.TemporaryDirectory(prefix="sim-cost-") as tmp:
        clone, env = repositories(Path(tmp), args.module)
        for number in range(args.pushes):
            seconds, said, packages = push(clone, env, number)
            pushes.append(seconds)
            raws.append(raw(clone, packages))
            loads.append(os.getloadavg()[0])
            print(f"push {number + 1}: {seconds:.1f}s ({', '.join(packages)}); raw go test "
                  f"{raws[-1]:.1f}s\n    {said}", flush=True)
    push_median, raw_median = statistics.median(pushes), statistics.median(raws)
    print(f"\n{args.module}: a code push {push_median:.1f}s (median of {len(pushes)}), the raw "
          f"go test of its selection {raw_median:.1f}s: {push_median / raw_median:.2f}x; load "
          f"average {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
