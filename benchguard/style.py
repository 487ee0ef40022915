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
# GitHub Actions obeys a line of a step's output that starts, after blanks, with `::` (a workflow
# command: `::warning::`, `::add-mask::`, `::stop-commands::`, …), and the older `##[command]`
# anywhere in a line. Text from others (go's output, a benchmark name, a note) would issue them
# in the CI log: their first character is shown as an escape instead (`\x3a:warning::…`).
_WORKFLOW_COMMAND = re.compile(r"^([^\S\n]*):(?=:)|#(?=#\[)", re.MULTILINE)


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
    people (benchmark names, notes, files, go's output) prints as the characters it holds and
    does nothing else: no terminal escape, no CI workflow command. ``lines=True`` keeps
    newlines and tabs (for multi-line messages)."""
    pattern = _CONTROL_KEEP_LINES if lines else _CONTROL
    if pattern.search(text) is not None:
        text = pattern.sub(_escape, text)
    if ":" in text or "#" in text:
        text = _WORKFLOW_COMMAND.sub(_inert_command, text)
    return text


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _inert_command(match: re.Match[str]) -> str:
    blanks = match.group(1)
    return "\\x23" if blanks is None else f"{blanks}\\x3a"
