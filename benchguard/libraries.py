"""The third-party library that costs start-up time, loaded on first use: pygit2 (~40 ms, the
notes). A push that changes no Go code reads no notes, and does not pay for it. This is the
package's one lazy import of a library (its modules' is commands.load)."""

from __future__ import annotations

import functools
import importlib
from types import ModuleType


@functools.cache
def pygit2() -> ModuleType:
    return importlib.import_module("pygit2")
