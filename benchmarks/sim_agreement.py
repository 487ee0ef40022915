"""Agreement: each wall-time regression of the suite's real-shaped tests (tests/monorepo.py) also
blocks under simulation (benchmarks/README.md, "Simulation").

    python benchmarks/sim_agreement.py

For each regression — an assembly routine's loop made 3× slower (in a package without
benchmarks), a nested module's benchmark 25× slower, the `fast`-tagged build switched to its slow
variant, a sub-benchmark under an alternation pattern 3× slower — a fresh copy of the monorepo,
the regression committed, then `benchguard check --base HEAD~1` twice, side by side in one run:
`--instrument time` and `--instrument simulation`. Prints each one's exit status, what blocked
and how long it took.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import realgo

# the suite's own repository and helpers (tests/monorepo.py, tests/conftest.py)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
monorepo = importlib.import_module("monorepo")
slow_down = importlib.import_module("conftest").slow_down

CASES: dict[str, Callable[[Path], None]] = {
    "assembly loop 3x slower (asm/work_amd64.s, no benchmarks of its own)":
        lambda root: monorepo.slow_assembly(root, 3),
    "nested module's benchmark 25x slower (tools/fmtx)":
        lambda root: slow_down(root, "tools/fmtx/fmtx.go", 25),
    "the fast-tagged build's code path 3x slower (fastpath, tags fast)":
        lambda root: slow_down(root, "fastpath/impl_fast.go", 3),
    "a sub-benchmark under an alternation 3x slower (textx Split/small)":
        lambda root: slow_down(root, "textx/text.go", 3, constant="smallRounds"),
}


def check(root: Path, instrument: str) -> tuple[int, list[str], float]:
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "benchguard", "check", "--base", "HEAD~1",
                           "--format", "json", "--instrument", instrument], cwd=root,
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    if not proc.stdout.strip().startswith("{"):
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    [found] = json.loads(proc.stdout)["checks"]
    blocked = [f"{entry['name']} {entry['metric']} {entry['delta']:+.0%}"
               for entry in found["benchmarks"] if entry["verdict"] == "regression"]
    return proc.returncode, blocked, seconds


def main() -> None:
    realgo.git_identity()
    agreed = 0
    for number, (case, regress) in enumerate(CASES.items()):
        with tempfile.TemporaryDirectory(prefix="sim-agreement-") as tmp:
            project = monorepo.make(Path(tmp))
            regress(project.root)
            project.commit(f"regression {number}")
            timed = check(project.root, "time")
            simulated = check(project.root, "simulation")
        both = timed[0] == simulated[0] == 1
        agreed += both
        print(f"{case}:\n  time:       exit {timed[0]} in {timed[2]:.0f}s, blocked "
              f"{', '.join(timed[1]) or 'nothing'}\n  simulation: exit {simulated[0]} in "
              f"{simulated[2]:.0f}s, blocked {', '.join(simulated[1]) or 'nothing'}", flush=True)
    print(f"\n{agreed} of {len(CASES)} regressions blocked by both instruments")


if __name__ == "__main__":
    main()
