"""gitignore-style path patterns (`paths` and `always` in benchguard.toml), as git matches them.

A pattern is one entry of a TOML list, not a line of a .gitignore file, so a leading "#" is a
name, not a comment; and "./dir" means "/dir" (anchored at the repository root). Within a list
the last pattern that matches a file decides, and a "!pattern" that matches excludes it.

The translation to a regular expression follows gitignore(5): a "/" at the start or in the
middle anchors a pattern at the root, else it matches at any depth; a trailing "/" matches only
directories; "*" and "?" stay within a path segment; a leading "**/", a trailing "/**" and a
"/**/" in the middle match any number of directories; a pattern that matches a directory matches
every file below it. (tests/test_config.py holds it to pathspec's GitIgnoreSpec.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


def matches_any(patterns: Iterable[str], path: str) -> bool:
    """Whether the repository-relative ``path`` matches the list, as a .gitignore would: the last
    matching pattern wins, and a ``!pattern`` that matches excludes — except that, as in git, an
    exclusion that matches only a directory above the file does not undo a pattern that matched
    the file itself."""
    path = path.removeprefix("./")
    decided, strength = False, 0
    for include, compiled in _compiled(tuple(patterns)):
        if compiled is None:
            continue
        direct, below = compiled
        if direct is not None and direct.fullmatch(path):
            decided, strength = include, 2
        elif below.fullmatch(path) and (include or strength <= 1):
            decided, strength = include, 1
    return decided


def path_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the one pattern ``pattern``; a ``!`` pattern alone matches
    nothing (it only excludes within a list)."""
    return not pattern.startswith("!") and matches_any((pattern,), path)


def check_pattern(pattern: str) -> None:
    """ValueError (with the reason) unless ``pattern`` can match something."""
    body = _body(pattern.removeprefix("!"))
    if _trailing_backslash(body):
        raise ValueError(f"'{pattern}' is not a valid pattern (it ends in an escaping \"\\\")")
    if _regex(body) is None:
        raise ValueError(f"'{pattern}' matches nothing")


_Compiled = tuple[re.Pattern[str] | None, re.Pattern[str]]  # the file itself; a directory above


@functools.lru_cache(maxsize=1024)
def _compiled(patterns: tuple[str, ...]) -> tuple[tuple[bool, _Compiled | None], ...]:
    return tuple((not pattern.startswith("!"), _regex(_body(pattern.removeprefix("!"))))
                 for pattern in patterns)


def _body(pattern: str) -> str:
    """A list entry as the body of a gitignore line: "./dir" anchored, trailing spaces dropped
    (unless escaped)."""
    if pattern.startswith("./"):
        pattern = "/" + pattern[2:]
    stripped = pattern.rstrip(" ")
    if stripped.endswith("\\") and not _trailing_backslash(stripped) and stripped != pattern:
        stripped += " "  # "a\ " keeps its escaped space
    return stripped


def _trailing_backslash(body: str) -> bool:
    """Whether ``body`` ends in an escape with nothing to escape (an odd run of "\\")."""
    run = len(body) - len(body.rstrip("\\"))
    return run % 2 == 1


@functools.lru_cache(maxsize=1024)
def _regex(body: str) -> _Compiled | None:
    """The regular expressions of one gitignore body (no "!"): of a file it names itself (None
    for a directory-only pattern), and of a file below a directory it names; None when it
    matches nothing."""
    if not body or _trailing_backslash(body):
        return None
    directory_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body
    if directory_only and body.endswith("/**"):
        body = body.removesuffix("/**")  # "a/**/": "a/" and any directory below it
    if not body:
        return None
    body = body.removeprefix("/")
    segments = body.split("/")
    parts: list[str] = []
    joined = True  # whether the next segment follows a "/" already (or nothing)
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            if index == 0:
                parts.append(".*" if last else "(?:.*/)?")
            else:
                parts.append("/.*" if last else "/(?:.*/)?")
            joined = True
            continue
        if not joined:
            parts.append("/")
        parts.append(_segment(segment))
        joined = False
    text = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    direct = None if directory_only else re.compile(f"{prefix}{text}", re.DOTALL)
    return direct, re.compile(f"{prefix}{text}/.*", re.DOTALL)


def _segment(segment: str) -> str:
    """One path segment: "*" and "?" within it, "[...]" classes, "\\x" the character x."""
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            out.append(re.escape(segment[index + 1]))
            index += 2
            continue
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1  # "**" within a segment is one "*"
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := _class_end(segment, index)) is not None:
            out.append(_class(segment[index + 1:end]))
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int | None:
    """Where the "[...]" class starting at ``start`` closes; None when it does not (a literal
    "[")."""
    index = start + 1
    if index < len(segment) and segment[index] in "!^":
        index += 1
    if index < len(segment) and segment[index] == "]":
        index += 1  # "[]a]": a "]" first is one of the class
    while index < len(segment):
        if segment[index] == "\\":
            index += 2
            continue
        if segment[index] == "]":
            return index
        index += 1
    return None


def _class(inside: str) -> str:
    """A "[...]" class ("!" or "^" first negates; "\\x" is x) as a regex class, never "/"."""
    negate = inside[:1] in ("!", "^")
    inside = inside[1:] if negate else inside
    chars: list[str] = []
    index = 0
    while index < len(inside):
        char = inside[index]
        if char == "\\" and index + 1 < len(inside):
            index += 1
            char = inside[index]
            chars.append("\\" + char if char in "\\]^-[" else char)
        else:
            chars.append("\\" + char if char in "\\]^[" else char)
        index += 1
    return f"[^/{''.join(chars)}]" if negate else f"[{''.join(chars)}]"
