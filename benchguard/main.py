"""The command line: build the parser, dispatch, turn errors into one line and an exit code."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from benchguard import __version__, commands
from benchguard.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, BenchguardError
from benchguard.redact import redact
from benchguard.style import printable

# The command registry: name -> one-line help; each lives in benchguard/commands/<name>.py with
# add_arguments(parser) and run(args) -> int. Only the command that runs is imported
# (commands.load), so a push that touches no Go code pays only for what it uses.
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
    "bisect": "find the commit between base and head that made a benchmark worse than its "
              "threshold",
    "ci": "in CI: check a pull request, post its report, or record a merge's baseline",
}

EPILOG = """\
exit codes:
  0    passed (or nothing to check)
  1    a regression was found and not overridden
  2    bad usage, configuration or input
  3    a benchmark failed to build or run
  4    internal error (a bug in benchguard; the message names a log file)
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP)
"""

# Options every command takes, before or after its name (`benchguard check --config x.toml`).
# SUPPRESS keeps a command's parser from resetting what was given before the command's name.
GLOBAL_OPTIONS = argparse.ArgumentParser(add_help=False)
GLOBAL_OPTIONS.add_argument("-C", dest="directory", metavar="DIR", default=argparse.SUPPRESS,
                            help="run as if started in DIR")
GLOBAL_OPTIONS.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                            help="configuration file (default: benchguard.toml at the "
                                 "repository root)")
_TAKES_A_VALUE = ("-C", "--config")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or with ``only`` of that one command (importing just its
    module; the top-level help lists every command either way)."""
    parser = argparse.ArgumentParser(
        prog="benchguard",
        description="Keep Go benchmark regressions out of git pushes. -C and --config go "
                    "before or after COMMAND.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[GLOBAL_OPTIONS],
    )
    parser.add_argument("--version", action="version", version=f"benchguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text,
                                        parents=[GLOBAL_OPTIONS])
        if only is None or name == only:
            commands.load(name).add_arguments(command_parser)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, found as argparse will find it (the first word that is not an
    option or an option's value); None when there is none or help comes first."""
    value_follows = False
    for word in argv:
        if value_follows:
            value_follows = False
        elif word in ("-h", "--help") or (len(word) > 2 and "--help".startswith(word)):
            return None
        elif word in _TAKES_A_VALUE or (len(word) > 2 and "--config".startswith(word)):
            value_follows = True  # "--conf x" too: argparse takes unique abbreviations
        elif not word.startswith("-") or word == "-":
            return word if word in COMMANDS else None
    return None


def _interrupt_on_signals() -> None:
    """A hook killed with SIGTERM, or whose terminal or SSH session closed (SIGHUP), cleans up
    (worktrees, go and the test binary) as it does on Ctrl-C. A signal ignored when we started
    (`nohup` ignores SIGHUP) stays ignored."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):  # no SIGHUP on Windows
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, handler)


def _change_directory(directory: str) -> None:
    try:
        os.chdir(directory)
    except OSError as error:
        raise BenchguardError(f"-C {directory}: cannot change to that directory: "
                              f"{error.strerror or error}", exit_code=EXIT_USAGE) from None


def main(argv: Sequence[str] | None = None) -> int:
    _interrupt_on_signals()
    words = sys.argv[1:] if argv is None else list(argv)
    command = command_named(words)
    parser = build_parser(only=command)
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args.directory = getattr(args, "directory", ".")
    args.config = getattr(args, "config", None)
    try:
        _change_directory(args.directory)
        result: int = commands.load(args.command).run(args)
        return result
    except BenchguardError as error:
        # The message and its detail may quote go's output (the code under test's): escaped
        # like every other piece of untrusted text, so it can neither drive the terminal nor
        # issue CI workflow commands.
        print(f"benchguard: error: {printable(redact(error.message), lines=True)}",
              file=sys.stderr)
        if error.detail:
            print(printable(redact(error.detail.rstrip()), lines=True), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("benchguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as error:
        # A traceback quotes exception messages, which may quote a URL or a header: the log is
        # redacted like every other line (benchguard.redact).
        text = redact(traceback.format_exc())
        print(f"benchguard: unexpected error: {type(error).__name__}: "
              f"{printable(redact(str(error)), lines=True)}", file=sys.stderr)
        try:
            log = _crash_log(text)
        except Exception as failure:  # the log is a courtesy: the exit status stays "a bug"
            reason = failure.strerror if isinstance(failure, OSError) else failure
            print(f"benchguard: could not write the traceback to a log ({reason}); here it is:",
                  file=sys.stderr)
            print(printable(text, lines=True), end="", file=sys.stderr)
        else:
            print(f"benchguard: the traceback is in {log}; please report it", file=sys.stderr)
        return EXIT_INTERNAL


def _crash_log(text: str) -> Path:
    """A new file holding ``text``, that only this user can read, in a new directory only this
    user can enter (TMPDIR is shared: a fixed name there is one another user can plant a
    symbolic link at). Nothing is left behind when it cannot be written."""
    directory = Path(tempfile.mkdtemp(prefix="benchguard-crash-"))
    log = directory / "traceback.log"
    try:
        descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return log


def entry() -> None:
    raise SystemExit(main())
