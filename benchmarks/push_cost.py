"""What ten realistic pushes cost with benchguard's hook, against the raw `go test` of the same
selections, and how closely a push that does not fit keeps to its time budget.

    python benchmarks/push_cost.py [--count 6] [--benchtime 100ms] [--no-baseline]
                                   [--no-noise-handling]

Builds a throwaway Go module (four packages, three benchmarked, one imported by another) with a
bare remote, follows the README's quickstart (`benchguard init`, commit, `install`, push the
configuration, `baseline --push`; `--no-baseline` skips the baseline), then:

(a) ten pushes in a row through `git push` and the installed hook, some changing benchmarked
    code, some only docs or the configuration. Each push's wall time is set against the raw
    `go test -run '^$' -bench PATTERN -count N -benchtime T -benchmem` of the selections the
    check made (`check --dry-run` names them beforehand), run on the pushed commit right after
    the push: the head side alone, as a developer would run it by hand. Goal: the ten pushes
    take at most 1.5 times the raw runs. `--no-noise-handling` sets `confirm = false` and
    `max_count = count`: what the plan, the kept heads and the head-only runs cost without
    today's confirmations and extra rounds (the decision step issue #13 replaces).
(b) a push that does not fit, from a fresh clone with no notes (so no history to plan from):
    a `go.mod` change selects every benchmark, at benchtime 1s, with `budget = "20s"`; its wall
    time against the budget. Goal: within 10% of it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from check_speed import environment, git

# Its figures are the timed instrument's: valgrind here would make `auto` simulate (issue 23).
os.environ.setdefault("BENCHGUARD_INSTRUMENT", "time")

BENCH = """package {name}

import "testing"

var sink{upper} int

func Benchmark{upper}Small(b *testing.B) {{
	for i := 0; i < b.N; i++ {{
		sink{upper} = {upper}(64)
	}}
}}

func Benchmark{upper}Large(b *testing.B) {{
	for i := 0; i < b.N; i++ {{
		sink{upper} = {upper}(4096)
	}}
}}
"""

CODE = """package {name}

{imports}// {upper} does n steps of work.
func {upper}(n int) int {{
	total := 0
	for i := 0; i < n; i++ {{
		total += {step}
	}}
	return total
}}
"""


def module() -> dict[str, str]:
    files = {"go.mod": "module example.com/cost\n\ngo 1.21\n",
             "README.md": "# cost\n",
             "mathx/mathx.go": "package mathx\n\n// Mix mixes.\nfunc Mix(a, b int) int "
                               "{ return a*31 ^ b }\n"}
    for name, step, imports in (
        ("hashing", "mathx.Mix(total, i)", 'import "example.com/cost/mathx"\n\n'),
        ("parse", "i % 7", ""),
        ("encode", "i ^ (i >> 3)", ""),
    ):
        upper = name.capitalize()
        files[f"{name}/{name}.go"] = CODE.format(name=name, upper=upper, step=step,
                                                 imports=imports)
        files[f"{name}/{name}_test.go"] = BENCH.format(name=name, upper=upper)
    return files


# (what the push changes, files to append a line to)
PUSHES: list[tuple[str, list[str]]] = [
    ("docs only", ["README.md"]),
    ("hashing code", ["hashing/hashing.go"]),
    ("parse code", ["parse/parse.go"]),
    ("docs only", ["README.md"]),
    ("mathx (imported by hashing)", ["mathx/mathx.go"]),
    ("encode code", ["encode/encode.go"]),
    ("configuration only", ["benchguard.toml"]),
    ("hashing code", ["hashing/hashing.go"]),
    ("docs only", ["README.md"]),
    ("parse and encode code", ["parse/parse.go", "encode/encode.go"]),
]


@dataclass
class Push:
    what: str
    seconds: float
    raw: float  # the raw go test of its selections
    selections: list[str]
    how: list[str]  # "head only" / "side by side" per selection
    confirmed: bool
    blocked: bool  # a false alarm: nothing in these pushes is slower
    rounds: int  # side-by-side rounds run, extra ones included


def write_module(root: Path) -> None:
    """module()'s files, written under ``root``."""
    for name, text in module().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def repository(scratch: Path) -> tuple[dict[str, str], Path, Path]:
    """The environment to run in, and a bare remote and a clone of it in ``scratch`` holding
    module() in one pushed commit."""
    env = environment(scratch)
    env.update({"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"})
    remote, root = scratch / "remote.git", scratch / "work"
    git("init", "-q", "--bare", str(remote), cwd=scratch)
    root.mkdir()
    git("init", "-q", "-b", "main", cwd=root)
    write_module(root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "initial", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    git("push", "-q", "-u", "origin", "main", cwd=root)
    return env, remote, root


def run(command: list[str], *, cwd: Path, env: dict[str, str],
        stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          input=stdin, check=False)
    return time.perf_counter() - started, proc


def must(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, proc.args))} failed ({proc.returncode}):\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return proc


def touch(root: Path, names: list[str], number: int) -> None:
    for name in names:
        path = root / name
        comment = "#" if name.endswith((".toml", ".md")) else "//"
        with path.open("a", encoding="utf-8") as file:
            file.write(f"\n{comment} change {number}\n")


def plan(root: Path, env: dict[str, str], benchguard: list[str]) -> list[dict[str, Any]]:
    proc = must(subprocess.run([*benchguard, "check", "--dry-run", "--format", "json"],
                               cwd=root, env=env, capture_output=True, text=True, check=False))
    [check] = json.loads(proc.stdout)["checks"]
    return list((check["plan"] or {}).get("steps", []))


def raw_go_test(root: Path, env: dict[str, str], steps: list[dict[str, Any]], count: int,
                benchtime: str) -> float:
    total = 0.0
    for step in steps:
        seconds, proc = run(["go", "test", "-run=^$", f"-bench={step['pattern']}",
                             f"-count={count}", f"-benchtime={benchtime}", "-benchmem",
                             step["package"]], cwd=root, env=env)
        must(proc)
        total += seconds
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--benchtime", default="100ms")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the quickstart's `benchguard baseline --push`")
    parser.add_argument("--no-noise-handling", action="store_true",
                        help="confirm = false, max_count = count: no confirmations or extra "
                             "rounds")
    args = parser.parse_args()
    if shutil.which("go") is None:
        print("go not found on PATH")
        return 2
    benchguard = [sys.executable, "-m", "benchguard"]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="push-cost-") as directory:
        scratch = Path(directory)
        env, remote, root = repository(scratch)
        # The quickstart.
        must(subprocess.run([*benchguard, "init"], cwd=root, env=env, capture_output=True,
                            text=True, check=False))
        config = root / "benchguard.toml"
        text = config.read_text(encoding="utf-8")
        settings = f"count = {args.count}\nbenchtime = \"{args.benchtime}\"\n"
        if args.no_noise_handling:  # and no blocks, which would need them to be trusted
            settings += f"confirm = false\nmax_count = {args.count}\nthreshold = \"1000%\"\n"
        keys = tuple(line.split(" =")[0] for line in settings.splitlines())
        text = settings + "\n".join(line for line in text.splitlines()
                                     if line.split(" =")[0].strip() not in keys)
        config.write_text(text + "\n", encoding="utf-8")
        git("add", "-A", cwd=root)
        git("commit", "-q", "-m", "Add benchguard", cwd=root)
        must(subprocess.run([*benchguard, "install"], cwd=root, env=env, capture_output=True,
                            text=True, check=False))
        first, proc = run(["git", "push", "-q", "origin", "main"], cwd=root, env=env)
        must(proc)
        if not args.no_baseline:
            must(subprocess.run([*benchguard, "baseline", "--push"], cwd=root, env=env,
                                capture_output=True, text=True, check=False))

        # (a) ten pushes
        pushes = []
        for number, (what, files) in enumerate(PUSHES, start=1):
            touch(root, files, number)
            git("add", "-A", cwd=root)
            git("commit", "-q", "-m", f"{what} {number}", cwd=root)
            steps = plan(root, env, benchguard)
            seconds, proc = run(["git", "push", "origin", "main"], cwd=root, env=env)
            blocked = proc.returncode != 0
            if blocked:  # noise taken for a regression: counted, then pushed past, untimed
                must(run(["git", "push", "-q", "origin", "main"], cwd=root,
                         env={**env, "BENCHGUARD_SKIP": "1"})[1])
            raw = raw_go_test(root, env, steps, args.count, args.benchtime)
            pushes.append(Push(what, seconds, raw, [f"{s['package']} {s['pattern']}"
                                                    for s in steps],
                               [s["measure"] for s in steps], "to confirm" in proc.stderr,
                               blocked, proc.stderr.count("round ")))

        # (b) a push that does not fit, from a clone without notes: nothing to plan from
        fresh = scratch / "fresh"
        git("clone", "-q", str(remote), str(fresh), cwd=scratch)
        must(subprocess.run([*benchguard, "install"], cwd=fresh, env=env, capture_output=True,
                            text=True, check=False))
        config = fresh / "benchguard.toml"
        config.write_text('budget = "20s"\n' + config.read_text(encoding="utf-8").replace(
            f'benchtime = "{args.benchtime}"', 'benchtime = "1s"'), encoding="utf-8")
        git("add", "-A", cwd=fresh)
        git("commit", "-q", "-m", "a tight budget, benchtime 1s", cwd=fresh)
        must(run(["git", "push", "-q", "origin", "main"], cwd=fresh, env=env)[1])
        (fresh / "go.mod").write_text("module example.com/cost\n\ngo 1.22\n", encoding="utf-8")
        git("add", "-A", cwd=fresh)
        git("commit", "-q", "-m", "go 1.22", cwd=fresh)
        over = plan(fresh, env, benchguard)
        over_seconds, proc = run(["git", "push", "origin", "main"], cwd=fresh, env=env)
        must(proc)
        unchecked = proc.stderr.count(": not checked: ")

    total = sum(push.seconds for push in pushes)
    raw = sum(push.raw for push in pushes)
    print(f"push_cost: count {args.count}, benchtime {args.benchtime}, "
          f"{'no stored baseline at the start' if args.no_baseline else 'quickstart baseline'}"
          f"{', no noise handling' if args.no_noise_handling else ''}"
          f"; load average before {load:.1f}, after {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores)")
    print(f"  the quickstart's first push (benchguard.toml only): {first:.2f} s")
    print("(a) ten pushes through the hook, against the raw go test of their selections")
    for number, push in enumerate(pushes, start=1):
        how = ", ".join(f"{s} ({h})" for s, h in zip(push.selections, push.how, strict=True))
        confirmed = "; confirmed side by side" if push.confirmed else ""
        rounds = f"; {push.rounds} side-by-side rounds" if push.rounds else ""
        alarm = "; BLOCKED (a false alarm)" if push.blocked else ""
        print(f"  {number:2}. {push.what:<28} {push.seconds:6.2f} s   raw {push.raw:6.2f} s   "
              f"{how or 'nothing selected'}{confirmed}{rounds}{alarm}")
    print(f"  total: {total:.1f} s with benchguard, {raw:.1f} s raw go test: "
          f"{total / raw:.2f}x (goal at most 1.5x)")
    print(f"(b) a push that does not fit: {len(over)} selections, budget 20s, benchtime 1s: "
          f"{over_seconds:.1f} s ({over_seconds / 20:.0%} of the budget; goal at most 110%), "
          f"{unchecked} selections left unchecked")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
