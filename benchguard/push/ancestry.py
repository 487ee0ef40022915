"""Whether a baseline stored on an earlier commit still serves a selection at the base: nothing
its benchmarks are built from changed since (docs/check.md, "Keeping the head").

A push that changes only docs or benchguard.toml measures nothing, so it stores nothing, and the
next push's base (the commit it pushed) has no baseline of its own. Its nearest first-parent
ancestor with one serves a selection when none of the files changed from there to the base
(benchguard.toml aside: configuration is not code) is a `go.mod`, `go.sum` (of any module) or
`go.work`, matches `always` or one of the selection's `[[bench]]` paths, or lies in the
directory of its package or of a package its test binary is built from, in any module of the
repository (any file there: Go code, assembly, testdata, embedded files). What cannot be told
serves nothing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING

from benchguard.config import FILENAME, paths
from benchguard.errors import BenchguardError
from benchguard.tools import git, modules

if TYPE_CHECKING:
    from pathlib import Path

    from benchguard.config import Config
    from benchguard.push.runner import RunSpec
    from benchguard.tools.packages import Snapshot

_MODULE_FILES = (*modules.MODULE_FILES, *modules.WORKSPACE_FILES)


def unchanged(repo: Path, ancestor: str, specs: Sequence[RunSpec], config: Config,
              base: Snapshot) -> list[RunSpec]:
    """Those of ``specs`` whose benchmarks nothing changed from ``ancestor`` to ``base`` can
    have changed. ``base``'s packages are listed (one `go list` per module and build tags) only
    when a changed file lies in a Go package."""
    if not specs:
        return []
    return untouched(git.changed_files(repo, ancestor, base.commit), specs, config, base)


def untouched(changed: Sequence[str], specs: Sequence[RunSpec], config: Config,
              base: Snapshot) -> list[RunSpec]:
    """Those of ``specs`` whose benchmarks none of the ``changed`` files can have changed, by
    ``base``'s packages and what each test binary is built from there (push.bisect asks it of
    each pushed commit against the head's)."""
    # configuration is not code: how benchmarks are run is the baseline's settings' business
    changed = [path for path in changed if path != FILENAME]
    if any(posixpath.basename(path) in _MODULE_FILES or paths.matches_any(config.always, path)
           for path in changed):
        return []
    kept = [spec for spec in specs if not any(paths.matches_any(entry.paths, path)
                                              for entry in config.benches
                                              if spec.package in entry.packages
                                              for path in changed)]
    touched = _package_dirs(base.layout, changed)
    if not touched or not kept:
        return kept
    return [spec for spec in kept
            if (built_from := _built_from(base, spec)) is not None and not touched & built_from]


def _built_from(base: Snapshot, spec: RunSpec) -> set[str] | None:
    """The directories of the packages ``spec``'s test binary is built from at ``base`` (its
    own included), as go lists them in its module; None when go cannot tell."""
    module = base.layout.module_of(spec.package)
    if module is None:
        return None
    try:
        listings = base.listings([module], spec.tags)
    except BenchguardError:
        return None
    for listing in listings:
        own = next((package for package in listing.packages.values()
                    if package.directory == spec.package), None)
        if own is not None and not own.error:
            return {own.directory, *(listing.packages[dep].directory for dep in own.deps
                                     if dep in listing.packages)}
    return None


def _package_dirs(layout: modules.Layout, changed: Sequence[str]) -> set[str]:
    """The Go package directories ("./dir", "." for the root) the changed files lie in: each
    file's nearest enclosing directory that holds Go files at the base."""
    found = set()
    for path in changed:
        directory = modules.directory_of(path)
        while not layout.go_files(directory) and directory != ".":
            directory = modules.parent(directory)
        if layout.go_files(directory):
            found.add(directory)
    return found
