"""Talking to the user: progress and warnings on stderr, colour only on a terminal, secrets masked
(benchguard.redact: a git or HTTP error may quote a token). Only the command layer (main,
commands/, and the pipelines they run) uses this module; lower layers take a
benchguard.progress.Reporter."""

from __future__ import annotations

import sys

import colorama

from benchguard.redact import redact
from benchguard.style import paint, printable, use_colour

__all__ = ["STDERR", "Stderr", "init_colour", "paint", "progress", "result", "use_colour",
           "warn"]


def init_colour() -> None:
    """Let colorama translate ANSI codes where the terminal needs it (Windows)."""
    if sys.platform == "win32":  # pragma: no cover

        colorama.just_fix_windows_console()


def result(text: str, *, end: str = "\n") -> None:
    """What a check found, on stdout, with secrets masked: it may quote what go printed (the
    code under test's words), and in CI stdout is the job's log."""
    print(redact(text), end=end)


def progress(message: str) -> None:
    """One line per step on stderr, so long runs show they are alive."""
    print(f"benchguard: {printable(redact(message), lines=True)}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    enabled = use_colour(sys.stderr)
    print(paint(f"benchguard: warning: {printable(redact(message), lines=True)}", "yellow",
                enabled=enabled), file=sys.stderr, flush=True)


class Stderr:
    """The Reporter of a command run from a terminal or a hook: every line to stderr."""

    def progress(self, message: str) -> None:
        progress(message)

    def warn(self, message: str) -> None:
        warn(message)


STDERR = Stderr()
