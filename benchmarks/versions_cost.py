"""What code pushes cost with two benchguard checkouts, alternated push by push on one repository
(so both meet the same machine, minute by minute), each against the raw `go test` of its
selections.

    python benchmarks/versions_cost.py --other DIR [--rounds 5] [--count 6] [--benchtime 100ms]

Builds push_cost.py's throwaway module with a bare remote and follows the README's quickstart
(`init`, `install`, push the configuration, `baseline --push`). Then, `--rounds` times, one code
push per benchmarked package (a comment appended to its code) for each checkout — this one
(`this`) and the one at DIR (`other`, say a worktree of the commit before a change), in
alternating order — through `git push` and the installed hook, whose `python -m benchguard`
imports the checkout on PYTHONPATH. Each push's wall time is set against the raw
`go test -run '^$' -bench PATTERN -count N -benchtime T -benchmem` of the selections
`check --dry-run` names, run on the pushed commit right after it. The notes are shared: each
checkout's push is based on the other's, as a team's would be.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from check_speed import git
from push_cost import must, plan, raw_go_test, repository, run, touch

PACKAGES = ("hashing", "parse", "encode")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other", required=True, type=Path,
                        help="the root of another benchguard checkout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--benchtime", default="100ms")
    args = parser.parse_args()
    if shutil.which("go") is None:
        print("go not found on PATH")
        return 2
    checkouts = {"this": Path(__file__).resolve().parents[1], "other": args.other.resolve()}
    benchguard = [sys.executable, "-m", "benchguard"]
    load = os.getloadavg()[0]
    costs: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="versions-cost-") as directory:
        base_env, _, root = repository(Path(directory))
        env = {name: {**base_env, "PYTHONPATH": str(path)} for name, path in checkouts.items()}
        this = env["this"]
        must(subprocess.run([*benchguard, "init"], cwd=root, env=this, capture_output=True,
                            text=True, check=False))
        config = root / "benchguard.toml"
        kept = [line for line in config.read_text(encoding="utf-8").splitlines()
                if line.split(" =")[0].strip() not in ("count", "benchtime")]
        config.write_text(f'count = {args.count}\nbenchtime = "{args.benchtime}"\n'
                          + "\n".join(kept) + "\n", encoding="utf-8")
        git("add", "-A", cwd=root)
        git("commit", "-q", "-m", "Add benchguard", cwd=root)
        must(subprocess.run([*benchguard, "install"], cwd=root, env=this, capture_output=True,
                            text=True, check=False))
        must(run(["git", "push", "-q", "origin", "main"], cwd=root, env=this)[1])
        must(subprocess.run([*benchguard, "baseline", "--push"], cwd=root, env=this,
                            capture_output=True, text=True, check=False))

        print(f"versions_cost: count {args.count}, benchtime {args.benchtime}; this = "
              f"{checkouts['this']}, other = {checkouts['other']}")
        number = 0
        for round_ in range(args.rounds):
            for index, package in enumerate(PACKAGES):
                order = ("this", "other") if (round_ + index) % 2 == 0 else ("other", "this")
                for name in order:
                    number += 1
                    touch(root, [f"{package}/{package}.go"], number)
                    git("add", "-A", cwd=root)
                    git("commit", "-q", "-m", f"{package} code {number}", cwd=root)
                    steps = plan(root, this, benchguard)
                    seconds, proc = run(["git", "push", "origin", "main"], cwd=root,
                                        env=env[name])
                    blocked = proc.returncode != 0
                    if blocked:  # noise taken for a regression: counted, then pushed past
                        must(run(["git", "push", "-q", "origin", "main"], cwd=root,
                                 env={**env[name], "BENCHGUARD_SKIP": "1"})[1])
                    raw = raw_go_test(root, base_env, steps, args.count, args.benchtime)
                    costs[name].append((seconds, raw))
                    print(f"  {number:3}. {name:<5} {package:<8} {seconds:6.2f} s   raw "
                          f"{raw:5.2f} s   {seconds / raw:5.2f}x   "
                          f"{proc.stderr.count('round ')} side-by-side rounds"
                          f"{'; confirmed' if 'to confirm' in proc.stderr else ''}"
                          f"{'; BLOCKED (a false alarm)' if blocked else ''}", flush=True)

    for name, pushes in costs.items():
        total, raw = (sum(part) for part in zip(*pushes, strict=True))
        median = statistics.median(seconds / raw for seconds, raw in pushes)
        print(f"{name}: {len(pushes)} pushes, {total:.1f} s vs {raw:.1f} s raw go test: "
              f"{total / raw:.2f}x (median push {median:.2f}x)")
    print(f"load average before {load:.1f}, after {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
