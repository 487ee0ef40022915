"""One module per subcommand: add_arguments(parser) and run(args) -> int. What they all do the
same way lives here, with the command registry's loader."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from benchguard import config
from benchguard.config import Config
from benchguard.engine.simulation import INSTRUMENTS
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.style import printable
from benchguard.tools import git

T = TypeVar("T")

_FORMATS = {"text": "text for people", "json": "JSON for scripts (docs/json.md)",
            "markdown": "Markdown for a pull request", "csv": "CSV for a spreadsheet"}


def load(name: str) -> ModuleType:
    """The module commands/<name>.py, imported when it is needed: the command that runs (main),
    and the second half of `check` once a push has something to measure. With pygit2's loader
    (tools.git_objects) it is the package's one deliberate lazy import: a push that changes no Go
    code pays only for the modules that triage it (docs/design.md, "Start-up")."""
    return importlib.import_module(f"benchguard.commands.{name}")


def add_format(parser: argparse.ArgumentParser, *formats: str) -> None:
    """--format, the first of ``formats`` the default."""
    described = "; ".join(f"{name}: {_FORMATS[name]}" for name in formats)
    parser.add_argument("--format", choices=formats, default=formats[0],
                        help=f"output format (default: {formats[0]}); {described}")


def option_type(rule: Callable[[str, str], T], key: str) -> Callable[[str], T]:
    """An argparse ``type`` that checks an option with the rule benchguard.toml's ``key`` follows
    (config.values): one rule in both places, and the same message."""

    def parse(text: str) -> T:
        try:
            return rule(text, key)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def add_allow(parser: argparse.ArgumentParser) -> None:
    """--allow-regression, the override a check takes on its command line (docs/check.md)."""
    parser.add_argument("--allow-regression", action="append", default=[], metavar="REGEX",
                        help="let regressions of benchmarks matching REGEX through (repeatable)")


def add_instrument(parser: argparse.ArgumentParser) -> None:
    """--instrument, which replaces every instrument benchguard.toml sets (docs/check.md,
    "Instruments"); BENCHGUARD_INSTRUMENT is its default."""
    parser.add_argument("--instrument", choices=INSTRUMENTS,
                        help="time the benchmarks, simulate them (valgrind: exact, comparable "
                             "across machines) or auto: simulate what simulation can see where "
                             "valgrind is installed (default: benchguard.toml's instrument, "
                             "else $BENCHGUARD_INSTRUMENT)")


def instrument_of(args: argparse.Namespace) -> str | None:
    """The instrument the command line asks for: --instrument, else $BENCHGUARD_INSTRUMENT;
    None: benchguard.toml's."""
    chosen: str | None = getattr(args, "instrument", None)
    if chosen is None:
        chosen = os.environ.get("BENCHGUARD_INSTRUMENT", "").strip() or None
        if chosen is not None and chosen not in INSTRUMENTS:
            raise BenchguardError(f"BENCHGUARD_INSTRUMENT must be {' or '.join(INSTRUMENTS)}, "
                                  f"got {printable(chosen)!r}", exit_code=EXIT_USAGE)
    return chosen


def repository(args: argparse.Namespace) -> tuple[Path, Config]:
    """The repository benchguard runs in, and its configuration: --config, else benchguard.toml
    at the repository's root (the working tree's), else the defaults."""

    repo = git.toplevel()
    loaded = config.load(repo, Path(args.config) if args.config else None)
    return repo, loaded.with_instrument(instrument_of(args))
