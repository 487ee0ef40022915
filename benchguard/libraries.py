"""The third-party libraries that cost start-up time, each loaded on first use: pygit2 (~40 ms,
the notes) and pathspec (~9 ms, benchguard.toml's path patterns). A push that changes no Go code
reads no notes, and `benchguard compare` matches no path; they pay for neither. This is the
package's one lazy import of a library (its modules' is commands.load)."""

from __future__ import annotations

import functools
import importlib
from types import ModuleType


@functools.cache
def pygit2() -> ModuleType:
    return importlib.import_module("pygit2")


@functools.cache
def pathspec() -> ModuleType:
    return importlib.import_module("pathspec")
