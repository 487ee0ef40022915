"""The command line: build the parser, dispatch, turn errors into one line and an exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from benchguard import __version__
from benchguard.errors import EXIT_INTERRUPTED, EXIT_USAGE, BenchguardError
from benchguard.redact import redact

EXIT_INTERNAL = 4

# name -> one-line help; each lives in benchguard/commands/<name>.py with
# add_arguments(parser) and run(args) -> int. Modules import their heavy parts inside run(),
# so a push that touches no Go code pays only for what it uses.
COMMANDS = {
    "check": "check the commits being pushed for benchmark regressions (the pre-push hook)",
    "compare": "compare two files of `go test -bench` output, benchstat-style, with verdicts",
    "baseline": "run the configured benchmarks at a commit and store the results in git notes",
    "show": "show the baselines and overrides stored for a commit",
    "status": "when benchmarks last ran on this branch and what needs re-running",
    "sync": "fetch, merge and push the benchmark notes of a remote",
    "install": "install the pre-push hook into this repository",
    "uninstall": "remove benchguard's pre-push hook, restoring any hook it replaced",
    "init": "write a starter benchguard.toml for the packages that have benchmarks",
    "calibrate": "measure HEAD against itself: each benchmark's noise and the count it needs",
    "report": "a benchmark report for a pull request: targets, changes, memory, what to look at",
    "profile": "profile benchmarks at base and head and show which functions got slower",
    "history": "a benchmark's values over the commit history, with the steps where it changed",
    "ci": "in CI: check a pull request, post its report, or record a merge's baseline",
}

EPILOG = """\
exit codes:
  0    passed (or nothing to check)
  1    a regression was found and not overridden
  2    bad usage, configuration or input
  3    a benchmark failed to build or run
  4    internal error (a bug in benchguard; the message names a log file)
  130  interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchguard",
        description="Keep Go benchmark regressions out of git pushes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"benchguard {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR", default=".",
                        help="run as if started in DIR")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: benchguard.toml at the repository root)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"benchguard.commands.{name}")
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
    return parser


def _interrupt_on_sigterm() -> None:
    """A hook killed with SIGTERM cleans up (worktrees, go processes) as it does on Ctrl-C."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    _interrupt_on_sigterm()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.directory != ".":
            os.chdir(args.directory)
        module = importlib.import_module(f"benchguard.commands.{args.command}")
        result: int = module.run(args)
        return result
    except BenchguardError as error:
        print(f"benchguard: error: {redact(error.message)}", file=sys.stderr)
        if error.detail:
            print(redact(error.detail.rstrip()), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("benchguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as error:
        # A traceback quotes exception messages, which may quote a URL or a header: the log is
        # redacted like every other line (benchguard.redact).
        log = Path(tempfile.gettempdir()) / "benchguard-error.log"
        log.write_text(redact(traceback.format_exc()), encoding="utf-8")
        print(f"benchguard: unexpected error: {type(error).__name__}: {redact(str(error))}",
              file=sys.stderr)
        print(f"benchguard: the traceback is in {log}; please report it", file=sys.stderr)
        return EXIT_INTERNAL


def entry() -> None:
    raise SystemExit(main())
