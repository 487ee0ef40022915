"""gitignore-style path patterns (`paths` and `always` in benchguard.toml), matched by pathspec.

A pattern is one entry of a TOML list, not a line of a .gitignore file, so a leading "#" is a
name, not a comment; and "./dir" means "/dir" (anchored at the repository root).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from benchguard import libraries

if TYPE_CHECKING:
    import pathspec


def matches_any(patterns: Iterable[str], path: str) -> bool:
    """Whether the repository-relative ``path`` matches the list, as a .gitignore would: the last
    matching pattern wins, and a ``!pattern`` that matches excludes."""
    return _spec(tuple(patterns)).match_file(path.removeprefix("./"))


def path_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the one pattern ``pattern``; a ``!`` pattern alone matches
    nothing (it only excludes within a list)."""
    return not pattern.startswith("!") and matches_any((pattern,), path)


def check_pattern(pattern: str) -> None:
    """ValueError (with the reason) unless ``pattern`` can match something."""
    try:
        compiled = _spec((pattern,)).patterns
    except ValueError as error:  # pathspec's GitIgnorePatternError: a trailing "\", say
        raise ValueError(f"'{pattern}' is not a valid pattern ({error})") from None
    if not compiled or compiled[0].include is None:
        raise ValueError(f"'{pattern}' matches nothing")


@functools.lru_cache(maxsize=1024)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    spec: pathspec.GitIgnoreSpec = libraries.pathspec().GitIgnoreSpec.from_lines(
        [_as_gitignore(pattern) for pattern in patterns])
    return spec


def _as_gitignore(pattern: str) -> str:
    exclude = "!" if pattern.startswith("!") else ""
    body = pattern.removeprefix("!")
    if body.startswith("./"):
        body = "/" + body[2:]
    elif body.startswith("#"):
        body = "\\" + body
    return exclude + body
