"""`benchguard init`: write a starter benchguard.toml for the packages that have benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard.errors import EXIT_OK, EXIT_USAGE, BenchguardError

if TYPE_CHECKING:
    from benchguard.go import GoPackage

HEADER = """\
# benchguard configuration, written by `benchguard init`; see docs/config.md.
# A change to a file matching a [[bench]] entry's paths runs that entry's benchmarks
# before the push, and blocks the push if a metric got worse by more than threshold.

"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tags", default="", metavar="a,b",
                        help="build tags to use when looking for benchmarks")


def run(args: argparse.Namespace) -> int:
    import tomli_w

    from benchguard import config, git, go

    repo = git.toplevel(".")
    target = Path(args.config) if args.config else repo / config.FILENAME
    if target.exists():
        raise BenchguardError(f"{target} already exists; benchguard init never overwrites it "
                              "(edit it, or delete it and run benchguard init again)",
                              exit_code=EXIT_USAGE)
    if not (repo / "go.mod").is_file():
        raise BenchguardError(f"{repo} has no go.mod: benchguard expects the Go module at the "
                              "repository root", exit_code=EXIT_USAGE)
    tags = [tag for tag in args.tags.split(",") if tag]
    benchmarked = [package for package in go.list_packages(repo, tags)
                   if package.has_benchmarks]
    if not benchmarked:
        raise BenchguardError("no package in this module has benchmarks (func BenchmarkXxx in a "
                              "_test.go file); add some, then run benchguard init again",
                              exit_code=EXIT_USAGE)
    text = HEADER + tomli_w.dumps(starter(sorted(benchmarked, key=lambda p: p.directory), tags))
    config.parse(text, filename=str(target))  # what we write must load
    target.write_text(text, encoding="utf-8")
    names = ", ".join(sorted(package.directory for package in benchmarked))
    count = f"{len(benchmarked)} package{'' if len(benchmarked) == 1 else 's'}"
    print(f"benchguard: found benchmarks in {count}: {names}")
    print(f"benchguard: wrote {target} with a [[bench]] entry for each and every other setting "
          "at its default (docs/config.md)")
    return EXIT_OK


def starter(packages: list[GoPackage], tags: list[str]) -> dict[str, Any]:
    from benchguard.config import Config

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
        # The root package owns only the .go files at the root, not the whole repository.
        paths = ["/*.go"] if package.directory == "." else [f"{package.directory[2:]}/**"]
        entry: dict[str, Any] = {"paths": paths, "package": package.directory, "pattern": "."}
        if tags:
            entry["tags"] = tags
        benches.append(entry)
    document["bench"] = benches
    return document
