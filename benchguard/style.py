"""Presentation helpers every renderer may use: colour codes and safe text. Nothing here writes."""

from __future__ import annotations

import os
import re
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

# C0 and C1 control characters and DEL: a benchmark name or a note from another clone must not
# be able to move the cursor, retitle the terminal or clear the screen of whoever reads it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plural(count: int, noun: str) -> str:
    """ "1 result", "2 results": a count and its noun, as every message says them."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), so input from other
    people (benchmark names, notes, files) prints as the characters it holds and does nothing
    else. ``lines=True`` keeps newlines and tabs (for multi-line messages)."""
    pattern = _CONTROL_KEEP_LINES if lines else _CONTROL
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
