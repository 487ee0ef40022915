"""Where a key or table sits in the text of a TOML file, for errors that name a line.

tomllib returns plain dicts without positions, so lines are found by scanning the text.
"""

from __future__ import annotations

import re
import tomllib

# (None, 0) is the top level; ("bench", 2) is the third [[bench]] table.
Scope = tuple[str | None, int]
TOP: Scope = (None, 0)

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")


class KeyLines:
    """Line numbers (from 1; 0 when unknown) of keys and table headers in one TOML text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # (table name, line index) of every [table] / [[table]] header, in order
        self.headers = [
            (match.group(1).strip().strip("\"'"), index)
            for index, line in enumerate(self.lines)
            if (match := _HEADER.match(line))
        ]

    def key(self, key: str, scope: Scope) -> int:
        """The line that sets ``key`` in ``scope``, else a table named for it, else the scope's
        header."""
        start, end = self._section(scope)
        quoted = re.escape(key)
        assignment = re.compile(rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*(?:=|\.)")
        for index in range(start, end):
            if assignment.match(self.lines[index]):
                return index + 1
        for header, index in self.headers:
            if header == key or header.startswith(f"{key}."):
                return index + 1
        return self.header(scope)

    def header(self, scope: Scope) -> int:
        """The line of the scope's [[name]] header (0 for the top level)."""
        name, index = scope
        if name is None:
            return 0
        matches = [line for header, line in self.headers if header == name]
        if index < len(matches):
            return matches[index] + 1
        return self.key(name, TOP)

    def _section(self, scope: Scope) -> tuple[int, int]:
        """The [start, end) line indexes of the top level or of the n-th [[name]] table."""
        name, index = scope
        if name is None:
            return 0, self.headers[0][1] if self.headers else len(self.lines)
        starts = [line for header, line in self.headers if header == name]
        if index >= len(starts):
            return 0, len(self.lines)
        start = starts[index]
        later = [line for _, line in self.headers if line > start]
        return start, later[0] if later else len(self.lines)


def syntax_error(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, str]:
    """The line of a TOML syntax error and tomllib's reason without its position."""
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found is not None:
        return int(found.group(1)), message[: found.start()]
    # an unterminated string or array: name the last line, where the file ended
    found = re.search(r"\s*\(at end of document\)$", message)
    line = max(1, len(text.splitlines()))
    return line, message if found is None else message[: found.start()]
