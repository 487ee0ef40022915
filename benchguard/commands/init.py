"""`benchguard init`: write a starter benchguard.toml for the packages that have benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from benchguard import config
from benchguard.config import Config
from benchguard.errors import EXIT_OK, EXIT_USAGE, BenchguardError
from benchguard.tools import git, modules
from benchguard.tools.packages import Snapshot

if TYPE_CHECKING:
    from benchguard.tools.go import GoPackage
    from benchguard.tools.modules import Layout

HEADER = """\
# benchguard configuration, written by `benchguard init`; see docs/config.md.
# A change to a file matching a [[bench]] entry's paths runs that entry's benchmarks
# before the push, and blocks the push if a metric got worse by more than threshold.

"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tags", default="", metavar="a,b",
                        help="build tags to use when looking for benchmarks")


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
    text = HEADER + tomli_w.dumps(starter(benchmarked, tags, layout))
    config.parse(text, filename=str(target))  # what we write must load
    target.write_text(text, encoding="utf-8")
    names = ", ".join(package.directory for package in benchmarked)
    count = f"{len(benchmarked)} package{'' if len(benchmarked) == 1 else 's'}"
    built = {layout.module_of(package.directory) for package in benchmarked}
    if len(built) > 1:
        count += f" of {len(built)} modules"
    print(f"benchguard: found benchmarks in {count}: {names}")
    print(f"benchguard: wrote {target} with a [[bench]] entry for each and every other setting "
          "at its default (docs/config.md)")
    return EXIT_OK


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
