"""Talking to the user: progress and warnings on stderr, colour only on a terminal."""

from __future__ import annotations

import os
import sys
from typing import TextIO

# colorama's Fore/Style values, spelt out: importing colorama costs a push that touches no Go
# code a few milliseconds (it loads ctypes), and these codes never change.
_COLOURS = {
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
}
_RESET = "\x1b[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour when writing to a terminal, unless NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, colour: str, *, enabled: bool) -> str:
    if not enabled or not text:
        return text
    return f"{_COLOURS[colour]}{text}{_RESET}"


def init_colour() -> None:
    """Let colorama translate ANSI codes where the terminal needs it (Windows)."""
    if sys.platform == "win32":  # pragma: no cover
        import colorama

        colorama.just_fix_windows_console()


def progress(message: str) -> None:
    """One line per step on stderr, so long runs show they are alive."""
    print(f"benchguard: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    enabled = use_colour(sys.stderr)
    print(paint(f"benchguard: warning: {message}", "yellow", enabled=enabled), file=sys.stderr,
          flush=True)
