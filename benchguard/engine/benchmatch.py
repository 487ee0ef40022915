"""Which benchmarks a `go test -bench` pattern runs, decided as Go's testing package decides it
(src/testing/match.go). Only for results already stored: a fresh run's results belong to the run
that produced them, without matching anything again."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# testing.isSpace: each of these in a pattern element becomes "_", as in sub-benchmark names
_SPACES = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                    + "".join(chr(code) for code in range(0x2000, 0x200B)))


def split_pattern(pattern: str) -> tuple[tuple[str, ...], ...]:
    """testing.splitRegexp: the alternatives of ``pattern``, each a pattern per name level.

    A top-level "|" separates alternatives of whole level lists ("Split|Fields/big" is "Split"
    or "Fields" then "big"); "/" separates levels; neither splits inside [...] or (...), nor
    after a backslash."""
    alternatives: list[tuple[str, ...]] = []
    levels: list[str] = []
    brackets = parentheses = 0
    rest = pattern
    index = 0
    while index < len(rest):
        char = rest[index]
        if char == "[":
            brackets += 1
        elif char == "]":
            brackets = max(brackets - 1, 0)  # an unmatched "]" is legal
        elif char == "(" and brackets == 0:
            parentheses += 1
        elif char == ")" and brackets == 0:
            parentheses -= 1
        elif char == "\\":
            index += 1
        elif char in "/|" and brackets == 0 and parentheses == 0:
            levels.append(rest[:index])
            rest = rest[index + 1:]
            index = 0
            if char == "|":
                alternatives.append(tuple(levels))
                levels = []
            continue
        index += 1
    levels.append(rest)
    alternatives.append(tuple(levels))
    return tuple(tuple(_rewrite(level) for level in levels) for levels in alternatives)


def runs(pattern: str, name: str) -> bool:
    """Whether ``go test -bench PATTERN`` reports a result for the benchmark ``name``
    ("BenchmarkSplit/small", without the -N suffix). A name the pattern matches only partly
    (fewer levels than the pattern has) is a parent whose sub-benchmarks run instead."""
    elements = name.split("/")
    for levels in _compiled(pattern):
        matched = all(regex.search(element) for regex, element in zip(levels, elements,
                                                                        strict=False))
        if matched:  # the first matching alternative decides, partial or not (alternationMatch)
            return len(elements) >= len(levels)
    return False


def pattern_for(names: Iterable[str]) -> str:
    """A `-bench` pattern that runs exactly ``names`` ("BenchmarkParse/fields=8", without the
    -N suffix) and nothing else: one top-level alternative per parent, each level anchored
    ("^BenchmarkParse$/^(fields=8|fields=64)$|^BenchmarkSum$"). Go matches each "/"-separated
    level of a name separately, so levels shared by a whole alternative stay exact. (A name
    with more levels under a named one runs too: Go's patterns cannot stop at a level. Only a
    `b.Run` name with a "/" in it makes a leaf with leaves below it.)"""
    by_parent: dict[tuple[str, ...], list[str]] = {}
    for name in dict.fromkeys(names):
        *levels, last = name.split("/")
        by_parent.setdefault(tuple(levels), []).append(last)
    alternatives = []
    for parent, lasts in by_parent.items():
        anchored = [f"^{_escape(level)}$" for level in parent]
        escaped = [_escape(last) for last in lasts]
        anchored.append(f"^{escaped[0]}$" if len(escaped) == 1
                        else f"^({'|'.join(escaped)})$")
        alternatives.append("/".join(anchored))
    return "|".join(alternatives)


def _escape(level: str) -> str:
    """A name level as a regular expression matching it literally, read alike by RE2 and
    Python: their special characters escaped with a backslash."""
    return "".join(f"\\{char}" if char in _SPECIAL else char for char in level)


_SPECIAL = frozenset("\\.+*?()|[]{}^$")


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> tuple[tuple[re.Pattern[str], ...], ...]:
    compiled = []
    for levels in split_pattern(pattern):
        try:
            compiled.append(tuple(re.compile(level) for level in levels))
        except re.error:
            # RE2 syntax Python cannot read: go test accepted the pattern, so treat the
            # alternative as matching everything rather than dropping what it ran
            compiled.append(tuple(re.compile("") for _ in levels))
    return tuple(compiled)


def _rewrite(element: str) -> str:
    """testing.rewrite: spaces become "_", unprintable characters their Go escapes."""
    if element.isprintable() and not _SPACES.intersection(element):
        return element
    out = []
    for char in element:
        if char in _SPACES:
            out.append("_")
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)
