"""One commit's Go code as the go command sees it: its modules (benchguard.tools.modules, from git)
and its packages (`go list`, in a checkout made on first use), each module listed at most once
per set of build tags.

Without a go.work each module is listed from its own root, where it is the main module; with
one, a single `go list` from the repository root lists every module the workspace uses.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.tools import go, modules
from benchguard.tools.modules import Layout, Module

if TYPE_CHECKING:  # go is imported when something is listed: a docs-only push lists nothing
    from benchguard.tools import go


@dataclass
class Listing:
    """What one `go list` said: the packages of some modules with one set of build tags."""

    modules: tuple[Module, ...]
    tags: tuple[str, ...]
    packages: dict[str, go.GoPackage]  # by import path, dependencies included
    # repository-relative file -> the packages it builds (False) or only tests (True)
    by_file: dict[str, list[tuple[go.GoPackage, bool]]] = field(default_factory=dict)
    importers: dict[str, list[str]] = field(default_factory=dict)  # by non-test imports

    def __post_init__(self) -> None:
        for package in self.packages.values():
            for file in package.files:
                self.by_file.setdefault(file, []).append((package, False))
            for file in package.test_files:
                self.by_file.setdefault(file, []).append((package, True))
            for imported in package.imports:
                self.importers.setdefault(imported, []).append(package.import_path)

    @property
    def benchmarked(self) -> list[go.GoPackage]:
        """The packages of the listed modules that have benchmarks."""
        return [package for package in self.packages.values()
                if package.main and package.has_benchmarks and package.directory]

    def ignored(self, file: str) -> bool:
        return any(file in package.ignored for package in self.packages.values()
                   if package.directory == modules.directory_of(file))

    def dependents(self, import_path: str) -> list[tuple[go.GoPackage, list[str]]]:
        """Every benchmarked package whose test binary is built from ``import_path`` (itself
        included), with the imports it reaches it through, nearest to it first."""
        chains = self._chains(import_path)
        found = []
        for package in self.benchmarked:
            if package.import_path != import_path and import_path not in package.deps:
                continue
            chain = chains.get(package.import_path)
            # its _test.go files may import it, or import what imports it
            for imported in package.test_imports:
                through = chains.get(imported)
                if through is not None and (chain is None or len(through) + 1 < len(chain)):
                    chain = [imported, *through]
            found.append((package, chain[1:] if chain else [import_path]))
        return found

    def _chains(self, start: str) -> dict[str, list[str]]:
        """Each package whose non-test code imports ``start`` directly or not, with the import
        paths it reaches ``start`` through (itself first, ``start`` last)."""
        chains = {start: [start]}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for importer in sorted(self.importers.get(current, ())):
                if importer not in chains:
                    chains[importer] = [importer, *chains[current]]
                    queue.append(importer)
        return chains


class Snapshot:
    """One commit's tree: its layout read from git, its packages listed by go on first use."""

    def __init__(self, repo: Path, commit: str, checkout: Callable[[], Path], *,
                 layout: Layout | None = None) -> None:
        self.repo = repo
        self.commit = commit
        self._checkout = checkout
        self._tree: Path | None = None
        self._layout = layout
        self._listings: dict[tuple[tuple[str, ...], tuple[str, ...]], Listing] = {}
        self.go_runs = 0  # `go list` commands run so far

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            self._layout = modules.at_commit(self.repo, self.commit)
        return self._layout

    def listings(self, wanted: Iterable[Module], tags: Sequence[str]) -> list[Listing]:
        """The listings that hold the packages of ``wanted`` (modules go builds) and of every
        module that builds their code into its own (a `replace` by directory, or the workspace)."""
        layout = self.layout
        wanted = [module for module in wanted if layout.builds(module)]
        if not wanted:
            return []
        layout.check()
        if layout.workspace:
            return [self._listing(layout.built, tags)]
        directories = {module.directory for module in wanted}
        units = [module for module in layout.modules if module.directory in directories
                 or directories.intersection(module.replaces)]
        return [self._listing((module,), tags) for module in units]

    def everything(self, tags: Sequence[str] = ()) -> list[Listing]:
        """The listings of every module go builds."""
        return self.listings(self.layout.built, tags)

    def benchmarked(self, tags: Sequence[str] = ()) -> list[go.GoPackage]:
        """Every package with benchmarks, in every module go builds, by directory."""
        found = {package.directory: package for listing in self.everything(tags)
                 for package in listing.benchmarked}
        return [found[directory] for directory in sorted(found)]

    def _listing(self, units: Sequence[Module], tags: Sequence[str]) -> Listing:
        key = (tuple(module.directory for module in units), tuple(tags))
        listing = self._listings.get(key)
        if listing is None:
            if self._tree is None:
                self._tree = self._checkout()
            tree = self._tree

            if self.layout.workspace:
                patterns = [_all_below(module.directory) for module in units]
                listed = go.list_packages(tree, patterns=patterns, tags=tags)
            else:
                listed = go.list_packages(tree, directory=units[0].directory, tags=tags)
            self.go_runs += 1
            listing = self._listings[key] = Listing(
                tuple(units), tuple(tags), {package.import_path: package for package in listed})
        return listing


def _all_below(directory: str) -> str:
    return "./..." if directory == "." else f"{directory}/..."
