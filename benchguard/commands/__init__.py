"""One module per subcommand: add_arguments(parser) and run(args) -> int. What they all do the
same way lives here."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard import config
from benchguard.tools import git

if TYPE_CHECKING:
    from benchguard.config import Config

_FORMATS = {"text": "text for people", "json": "JSON for scripts (docs/json.md)",
            "markdown": "Markdown for a pull request", "csv": "CSV for a spreadsheet"}


def add_format(parser: argparse.ArgumentParser, *formats: str) -> None:
    """--format, the first of ``formats`` the default."""
    described = "; ".join(f"{name}: {_FORMATS[name]}" for name in formats)
    parser.add_argument("--format", choices=formats, default=formats[0],
                        help=f"output format (default: {formats[0]}); {described}")


def add_allow(parser: argparse.ArgumentParser) -> None:
    """--allow-regression, the override a check takes on its command line (docs/check.md)."""
    parser.add_argument("--allow-regression", action="append", default=[], metavar="REGEX",
                        help="let regressions of benchmarks matching REGEX through (repeatable)")


def repository(args: argparse.Namespace) -> tuple[Path, Config]:
    """The repository benchguard runs in, and its configuration: --config, else benchguard.toml
    at the repository's root (the working tree's), else the defaults."""

    repo = git.toplevel()
    return repo, config.load(repo, Path(args.config) if args.config else None)
