"""A newcomer's first day on a repository shaped like uber-go/zap (issue 24), followed as the
README says: `benchguard init` (which sizes the work to the time budget), commit, `install`, push
the configuration — then five pushes that each change only the core package's JSON encoder.

    python benchmarks/first_day.py [--pushes 5] [--budget 4m]

The repository is tests/zaplike.py's: a core package of 51 benchmarks (the costliest, like
zapcore), the root package and an io.Writer package importing it, a nested module of scenario
benchmarks importing the root. For each push it prints its wall time against the budget, its
summary's first word, how much of the core package it measured, and whether an importer was
measured while a benchmark of the changed package was left unmeasured (never, is the goal). A
push that blocks is taken back (`git reset --hard HEAD~1`) before the next one. Goal: every
push within its budget (wall / budget ≤ 1), the core package measured first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from check_speed import environment, git

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import zaplike  # a test fixture, shared with the tests

# The five pushes: what each writes (zaplike.write's knobs), and what it is.
PUSHES: list[tuple[str, dict[str, Any]]] = [
    ("a comment in the encoder", {"comment_revision": 1}),
    ("the encoder allocates per string", {"comment_revision": 1, "allocating_encoder": True}),
    ("another comment", {"comment_revision": 2}),
    ("the encoder escapes three times", {"comment_revision": 2, "slow_encoder": 3}),
    ("a third comment", {"comment_revision": 3}),
]


@dataclass
class Push:
    what: str
    wall: float
    summary: str  # the first word of the check's summary line
    core: str  # "all 51", "38 of 51", "none"
    importers: list[str]  # measured packages other than the core
    early: bool  # an importer was measured while a core benchmark was left unmeasured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pushes", type=int, default=len(PUSHES))
    parser.add_argument("--budget", default="4m")
    parser.add_argument("--keep", metavar="DIR", help="write what each push said into DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="benchguard-first-day-") as scratch:
        base = Path(scratch)
        env = _environment(base)
        root = _quickstart(base, env, args.budget)
        pushes = [_push(root, env, what, knobs, args.keep) for what, knobs in
                  PUSHES[:args.pushes]]
    seconds = _seconds(args.budget)
    print(f"{'push':<36} {'wall':>7} {'/budget':>8}  {'summary':<11} {'core measured':<14} "
          "importers measured")
    for push in pushes:
        flag = "  (an importer before the core!)" if push.early else ""
        print(f"{push.what:<36} {push.wall:6.1f}s {push.wall / seconds:8.2f}  "
              f"{push.summary:<11} {push.core:<14} {', '.join(push.importers) or '-'}{flag}")
    worst = max(push.wall / seconds for push in pushes)
    print(f"worst wall / budget: {worst:.2f} (goal ≤ 1); an importer measured before the core: "
          f"{sum(push.early for push in pushes)} of {len(pushes)} pushes (goal 0)")


def _environment(base: Path) -> dict[str, str]:
    """check_speed's hermetic environment, with this machine's go caches (a cold cache would
    time the standard library's build, not benchguard)."""
    env = environment(base)
    for name in ("GOCACHE", "GOMODCACHE"):
        env[name] = subprocess.run(["go", "env", name], capture_output=True, text=True,
                                   check=True).stdout.strip()
    return env


def _quickstart(base: Path, env: dict[str, str], budget: str) -> Path:
    root = base / "zap"
    zaplike.write(root)
    git("init", "-q", "--bare", str(base / "remote.git"), cwd=base)
    git("init", "-q", "-b", "main", cwd=root)
    _run(["git", "add", "-A"], root, env)
    _run(["git", "commit", "-qm", "zap-shaped"], root, env)
    git("remote", "add", "origin", str(base / "remote.git"), cwd=root)
    _run(["git", "push", "-q", "-u", "origin", "main"], root, env)
    init = _run([sys.executable, "-m", "benchguard", "init"], root, env)
    print(init.stdout.strip(), file=sys.stderr)
    config = root / "benchguard.toml"
    if budget != "4m":
        config.write_text(f'budget = "{budget}"\n' + config.read_text(encoding="utf-8"),
                          encoding="utf-8")
    _run(["git", "add", "benchguard.toml"], root, env)
    _run(["git", "commit", "-qm", "Add benchguard"], root, env)
    _run([sys.executable, "-m", "benchguard", "install"], root, env)
    _run(["git", "push", "-q", "origin", "main"], root, env)
    return root


def _push(root: Path, env: dict[str, str], what: str, knobs: dict[str, Any],
          keep: str | None) -> Push:
    zaplike.write(root, **knobs)
    _run(["git", "commit", "-qam", what], root, env)
    head = git("rev-parse", "HEAD", cwd=root)
    started = time.monotonic()
    pushed = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=root, env=env,
                            capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    said = pushed.stdout + pushed.stderr
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{what.replace(' ', '-')}.txt").write_text(said, encoding="utf-8")
    summary = next((line.split(":")[0] for line in said.splitlines()
                    if line.startswith(("PASS", "INCOMPLETE", "REGRESSION", "ERROR"))), "-")
    core, importers, early = _what_was_measured(root, env, head)
    if pushed.returncode != 0:
        _run(["git", "reset", "-q", "--hard", "HEAD~1"], root, env)
    print(f"{what}: {wall:.1f}s, {summary}", file=sys.stderr)
    return Push(what, wall, summary, core, importers, early)


def _what_was_measured(root: Path, env: dict[str, str], head: str
                       ) -> tuple[str, list[str], bool]:
    """From the pushed commit's note: how much of the core package its head record holds, the
    other packages it holds, and whether any of those came while a core benchmark was left."""
    note = subprocess.run(["git", "notes", "--ref", "benchguard", "show", head], cwd=root,
                          env=env, capture_output=True, text=True, check=False).stdout
    measured: dict[str, set[str]] = {}
    for line in note.splitlines():
        record = json.loads(line)
        if record.get("kind") != "baseline":
            continue
        for result in record.get("samples", []):
            measured.setdefault(result["package"], set()).add(result["name"])
    core_path = f"{zaplike.MODULE}/{zaplike.CORE}"
    every = len(zaplike.layout(root).core.benchmarks)
    got = len(measured.get(core_path, set()))
    core = f"all {every}" if got >= every else f"{got} of {every}" if got else "none"
    importers = sorted("." + path.removeprefix(zaplike.MODULE) for path in measured
                       if path != core_path)
    return core, importers, bool(importers) and got < every


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)


def _seconds(budget: str) -> float:
    from_text = {"s": 1, "m": 60, "h": 3600}
    return float(budget[:-1]) * from_text[budget[-1]]


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
