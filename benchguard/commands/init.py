"""`benchguard init`: write a starter benchguard.toml for the packages that have benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tomli_w

from benchguard import config
from benchguard.commands import output
from benchguard.config import Config
from benchguard.errors import EXIT_OK, EXIT_USAGE, BenchguardError
from benchguard.push import sizing
from benchguard.push.budget import budget_seconds, seconds_text
from benchguard.push.runner import spec_for
from benchguard.style import plural
from benchguard.tools import git, modules
from benchguard.tools.go import GoPackage
from benchguard.tools.modules import Layout
from benchguard.tools.packages import Snapshot

HEADER = """\
# benchguard configuration, written by `benchguard init`; see docs/config.md.
# A change to a file matching a [[bench]] entry's paths runs that entry's benchmarks
# before the push, and blocks the push if a metric got worse by more than threshold.

"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tags", default="", metavar="a,b",
                        help="build tags to use when looking for benchmarks")
    parser.add_argument("--no-sizing", action="store_true",
                        help="write the default benchtime instead of running each package "
                             "once to choose one with which a push fits the time budget")


def run(args: argparse.Namespace) -> int:
    repo = git.toplevel(".")
    target = Path(args.config) if args.config else repo / config.FILENAME
    if target.exists():
        raise BenchguardError(f"{target} already exists; benchguard init never overwrites it "
                              "(edit it, or delete it and run benchguard init again)",
                              exit_code=EXIT_USAGE)
    layout = modules.in_working_tree(repo)
    if not layout.modules:
        raise BenchguardError(f"{repo} has no go.mod: benchguard guards Go modules (run "
                              "`go mod init` first)", exit_code=EXIT_USAGE)
    for module in layout.modules:
        if not layout.builds(module):
            print(f"benchguard: go.work does not use {module.directory}, so go does not build "
                  "it: no entries for it")
    tags = [tag for tag in args.tags.split(",") if tag]
    benchmarked = Snapshot(repo, "HEAD", lambda: repo, layout=layout).benchmarked(tags)
    if not benchmarked:
        raise BenchguardError("no package in this repository's modules has benchmarks (func "
                              "BenchmarkXxx in a _test.go file); add some, then run benchguard "
                              "init again", exit_code=EXIT_USAGE)
    names = ", ".join(package.directory for package in benchmarked)
    count = f"{len(benchmarked)} package{'' if len(benchmarked) == 1 else 's'}"
    built = {layout.module_of(package.directory) for package in benchmarked}
    if len(built) > 1:
        count += f" of {len(built)} modules"
    print(f"benchguard: found benchmarks in {count}: {names}")
    document = starter(benchmarked, tags, layout)
    if not args.no_sizing:
        document["benchtime"] = _sized(repo, benchmarked, tags, layout)
    text = HEADER + tomli_w.dumps(document)
    config.parse(text, filename=str(target))  # what we write must load
    target.write_text(text, encoding="utf-8")
    print(f"benchguard: wrote {target} with a [[bench]] entry for each and every other setting "
          "at its default (docs/config.md)")
    return EXIT_OK


def _sized(repo: Path, packages: list[GoPackage], tags: list[str], layout: Layout) -> str:
    """The benchtime with which a push touching the costliest package fits the default budget,
    from one run of each package (push.sizing); said, with what a full baseline will take."""
    defaults = Config(path=None)
    specs = [spec_for(layout, package.directory, ".", tags) for package in packages]
    output.progress(f"timing each package once at benchtime {sizing.PROBE} to size the work "
                    f"to the time budget ({defaults.budget}; --no-sizing skips this)…")
    timed = sizing.time_packages(repo, specs, reporter=output.STDERR)
    if not timed:
        output.warn(f"no package could be timed: keeping benchtime {defaults.benchtime}")
        return defaults.benchtime
    snapshot = Snapshot(repo, "HEAD", lambda: repo, layout=layout)
    selects = sizing.selected_by(snapshot, [one.package for one in timed],
                                 limit=defaults.auto_max_packages)
    choice = sizing.choose(timed, selects, count=defaults.count,
                           budget=budget_seconds(defaults.budget))
    touched = f"a push touching {choice.costliest}" + (
        f" (it selects {plural(len(choice.selects), 'package')})"
        if len(choice.selects) > 1 else "")
    if choice.fits:
        print(f"benchguard: chose benchtime {choice.benchtime}: {touched} should take "
              f"~{seconds_text(choice.push)} side by side, within the {defaults.budget} budget")
    else:
        print(f"benchguard: chose benchtime {choice.benchtime}, the shortest: {touched} still "
              f"needs ~{seconds_text(choice.push)} side by side, more than the "
              f"{defaults.budget} budget leaves: it is measured in part, the changed package "
              "first (raise budget, or narrow the [[bench]] patterns)")
    print(f"benchguard: a full baseline (`benchguard baseline`) should take "
          f"~{seconds_text(choice.baseline)}")
    return choice.benchtime


def starter(packages: list[GoPackage], tags: list[str], layout: Layout) -> dict[str, Any]:
    defaults = Config(path=None)
    document: dict[str, Any] = {
        "count": defaults.count,
        "benchtime": defaults.benchtime,
        "threshold": f"{defaults.threshold * 100:g}%",
        "alpha": defaults.alpha,
        "timeout": defaults.timeout,
        "metrics": list(defaults.metrics),
        "always": list(defaults.always),
        "notes_ref": defaults.notes_ref,
        "auto": defaults.auto,
        "auto_max_packages": defaults.auto_max_packages,
        "on_error": defaults.on_error,
    }
    benches = []
    for package in packages:
        entry: dict[str, Any] = {"paths": _paths(package.directory, layout),
                                 "package": package.directory, "pattern": "."}
        if tags:
            entry["tags"] = tags
        benches.append(entry)
    document["bench"] = benches
    return document


def _paths(directory: str, layout: Layout) -> list[str]:
    """A package's files: everything below its directory except nested modules (their own
    packages); the root package owns only the .go files at the root, not the repository."""
    if directory == ".":
        return ["/*.go"]
    inside = directory.removeprefix("./")
    nested = [module.directory.removeprefix("./") for module in layout.modules
              if module.directory.startswith(directory + "/")]
    return [f"{inside}/**", *(f"!{module}/**" for module in nested)]
