"""How long `check`'s selection step takes on a monorepo, and how many go commands it runs.

    python benchmarks/selection_speed.py [--modules 20] [--packages 20] [--runs 5]

Generates a repository of MODULES Go modules (services/s00 … each with its own go.mod) of
PACKAGES packages each (a chain: p01 imports p00, …; every other package has a benchmark), commits
it, and times benchguard.push.selection.select — what `check` does between reading the changed files
and running benchmarks: the modules from git, a checkout of the pushed commit, `go list` — for:

(a) one changed .go file at the bottom of one module's chain (every package above it depends on
    it), without a go.work: one `go list` of that module;
(b) the same with a go.work using every module: one `go list` of the whole workspace;
(c) a docs-only change: no go command at all.

Each case runs --runs times with a fresh checkout (go's build cache warm after the first, as on a
developer's machine); the medians and the count of `go list` commands are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchguard import config
from benchguard.push.selection import select
from benchguard.tools import git
from benchguard.tools.packages import Snapshot


def generate(root: Path, modules: int, packages: int, *, workspace: bool) -> None:
    for m in range(modules):
        module = f"example.com/s{m:02d}"
        base = root / "services" / f"s{m:02d}"
        base.mkdir(parents=True)
        (base / "go.mod").write_text(f"module {module}\n\ngo 1.21\n", encoding="utf-8")
        for p in range(packages):
            directory = base / f"p{p:02d}"
            directory.mkdir()
            imports = f'import "{module}/p{p - 1:02d}"\n\n' if p else ""
            below = f"p{p - 1:02d}.Value() + " if p else ""
            (directory / "value.go").write_text(
                f"package p{p:02d}\n\n{imports}// Value is this package's part.\n"
                f"func Value() int {{ return {below}{p} }}\n", encoding="utf-8")
            if p % 2:
                (directory / "value_test.go").write_text(
                    f'package p{p:02d}\n\nimport "testing"\n\nvar sink int\n\n'
                    "func BenchmarkValue(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n"
                    "\t\tsink = Value()\n\t}\n}\n", encoding="utf-8")
    (root / "README.md").write_text("# a monorepo\n", encoding="utf-8")
    if workspace:
        uses = "".join(f"\t./services/s{m:02d}\n" for m in range(modules))
        (root / "go.work").write_text(f"go 1.21\n\nuse (\n{uses})\n", encoding="utf-8")


def sh(command: list[str], cwd: Path) -> str:
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def commit(root: Path, message: str) -> str:
    sh(["git", "add", "-A"], root)
    sh(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q",
        "-m", message], root)
    return sh(["git", "rev-parse", "HEAD"], root)


def time_selection(root: Path, before: str, after: str, runs: int
                   ) -> tuple[list[float], list[float]]:
    """Seconds of each run's selection (git, go list, the mapping) and, apart, of its checkout
    of the pushed commit (which `check` needs to measure anyway)."""
    changed = git.changed_files(root, before, after)
    settings = config.Config(path=None)
    times, checkouts = [], []
    for _ in range(runs):
        with contextlib.ExitStack() as stack:
            checkout: list[float] = []

            def checked_out(commit: str, into: list[float] = checkout) -> Path:
                started = time.perf_counter()
                tree = stack.enter_context(git.worktree(root, commit))
                into.append(time.perf_counter() - started)
                return tree

            started = time.perf_counter()
            chosen = select(settings, changed, Snapshot(root, after, lambda: checked_out(after)),
                            Snapshot(root, before, lambda: checked_out(before)))
            times.append(time.perf_counter() - started - sum(checkout))
            checkouts.append(sum(checkout))
    print(f"    selected {len(chosen.selected)} packages, running {chosen.go_runs} `go list`")
    return times, checkouts


def case(name: str, modules: int, packages: int, runs: int, *, workspace: bool,
         docs_only: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="selection-speed-") as temp:
        root = Path(temp)
        sh(["git", "init", "-q"], root)
        generate(root, modules, packages, workspace=workspace)
        before = commit(root, "initial")
        if docs_only:
            (root / "README.md").write_text("# a monorepo, documented\n", encoding="utf-8")
        else:
            leaf = root / "services" / "s07" / "p00" / "value.go"
            leaf.write_text(leaf.read_text(encoding="utf-8").replace("part.", "part, changed."),
                            encoding="utf-8")
        after = commit(root, "change")
        print(f"{name}:")
        times, checkouts = time_selection(root, before, after, runs)
        rest = times[1:] or times
        print(f"    selection: first {times[0]:.2f} s, then median {statistics.median(rest):.2f} s"
              f" (min {min(rest):.2f}, max {max(rest):.2f}) over {len(rest)} runs")
        print(f"    checkout of the pushed commit, apart (check measures in it anyway): median "
              f"{statistics.median(checkouts):.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    total = args.modules * args.packages
    print(f"{args.modules} modules, {total} packages, one changed file\n")
    case("(a) one changed .go file, no go.work", args.modules, args.packages, args.runs,
         workspace=False)
    case("(b) one changed .go file, a go.work using every module", args.modules,
         args.packages, args.runs, workspace=True)
    case("(c) a docs-only change", args.modules, args.packages, args.runs, workspace=False,
         docs_only=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
