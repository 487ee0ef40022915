"""Whether a baseline stored on an earlier commit still serves a selection at the base: nothing
its benchmarks are built from changed since (docs/check.md, "Keeping the head").

A push that changes only docs or benchguard.toml measures nothing, so it stores nothing, and the
next push's base (the commit it pushed) has no baseline of its own. Its nearest first-parent
ancestor with one serves a selection when none of the files changed from there to the base
(benchguard.toml aside: configuration is not code) is `go.mod`, `go.sum` or `go.work`, matches
`always` or one of the selection's `[[bench]]` paths, or lies in the directory of its package or
of a package its test binary is built from (any file there: Go code, testdata, embedded files).
What cannot be told serves nothing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from benchguard import git, paths

if TYPE_CHECKING:
    from pathlib import Path

    from benchguard.config import Config
    from benchguard.go import GoPackage
    from benchguard.runner import RunSpec

# tags -> the packages of the module at the base, as `go list` sees them with those tags
BasePackages = Callable[[tuple[str, ...]], Sequence["GoPackage"]]

_MODULE_FILES = ("go.mod", "go.sum", "go.work", "go.work.sum")


def unchanged(repo: Path, ancestor: str, base: str, specs: Sequence[RunSpec], config: Config,
              base_packages: BasePackages) -> list[RunSpec]:
    """Those of ``specs`` whose benchmarks nothing changed from ``ancestor`` to ``base`` can
    have changed. ``base_packages`` runs only when a changed file lies in a Go package."""
    if not specs:
        return []
    from benchguard.config import FILENAME

    # configuration is not code: how benchmarks are run is the baseline's settings' business
    changed = [path for path in git.changed_files(repo, ancestor, base) if path != FILENAME]
    if any(posixpath.basename(path) in _MODULE_FILES or paths.matches_any(config.always, path)
           for path in changed):
        return []
    kept = [spec for spec in specs if not any(paths.matches_any(entry.paths, path)
                                              for entry in config.benches
                                              if spec.package in entry.packages
                                              for path in changed)]
    touched = _package_dirs(repo, base, changed)
    if not touched or not kept:
        return kept
    serving = []
    for spec in kept:
        packages = base_packages(spec.tags)
        by_path = {package.import_path: package for package in packages}
        own = next((package for package in packages if package.directory == spec.package), None)
        if own is None:
            continue
        built_from = {own.directory, *(by_path[dep].directory for dep in own.deps
                                       if dep in by_path)}
        if not touched & built_from:
            serving.append(spec)
    return serving


def _package_dirs(repo: Path, base: str, changed: Sequence[str]) -> set[str]:
    """The Go package directories ("./dir", "." for the root) the changed files lie in: each
    file's nearest enclosing directory that holds Go files at ``base``."""
    go_dirs = {posixpath.dirname(path) for path in git.tracked_files(repo, base)
               if path.endswith(".go")}
    found = set()
    for path in changed:
        directory = posixpath.dirname(path)
        while directory not in go_dirs and directory:
            directory = posixpath.dirname(directory)
        if directory in go_dirs:
            found.add(f"./{directory}" if directory else ".")
    return found
