"""Which benchmarks a set of changed files selects, and why (docs/check.md)."""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchguard import paths

if TYPE_CHECKING:
    from benchguard.config import BenchEntry, Config
    from benchguard.go import GoPackage
    from benchguard.results import BenchKey

# tags -> the module's packages as `go list` sees them with those build tags
PackageLister = Callable[[tuple[str, ...]], Sequence["GoPackage"]]


@dataclass(frozen=True)
class Selected:
    """Run ``pattern`` in ``package`` (a directory like "./hashing") because of ``reason``."""

    package: str
    pattern: str
    tags: tuple[str, ...]
    reason: str
    threshold: float | None = None


@dataclass(frozen=True)
class Selection:
    selected: tuple[Selected, ...]
    changed: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # always shown: benchmarks auto selection had to leave out
    skipped: tuple[str, ...] = ()   # shown with --verbose: what was not selected and why


def package_dir(path: str) -> str:
    """The package directory of a repository-relative file: "hashing/hash.go" -> "./hashing"."""
    parent = posixpath.dirname(path)
    return f"./{parent}" if parent else "."


def select(config: Config, changed: Sequence[str], list_packages: PackageLister) -> Selection:
    """Map ``changed`` files to benchmarks. ``list_packages`` runs only when Go files changed."""
    chosen = _Chosen()
    skipped: list[str] = []
    always = [path for path in changed if paths.matches_any(config.always, path)]
    # In order of relevance, the order a time budget spends in (benchguard.plan): entries
    # whose paths matched, then what `always` selects, then auto selections, nearest first.
    for entry in config.benches:
        hit = next((path for path in changed if paths.matches_any(entry.paths, path)),
                   None)
        if hit is not None:
            chosen.add_entry(config, entry,
                             f"{hit} matched {_first_match(entry.paths, hit)}")
        elif not always:
            skipped.append(f"{', '.join(entry.packages)} ({entry.pattern}): no changed file "
                           f"matches {', '.join(entry.paths)}")
    if always:
        reason = f"{always[0]} matched always = {_first_match(config.always, always[0])}"
        for entry in config.benches:
            chosen.add_entry(config, entry, reason)
        if not config.benches:
            for tags in _tag_sets(config):
                for package in list_packages(tags):
                    if package.has_benchmarks and _is_local(package.directory):
                        chosen.add(Selected(package.directory, ".", tags, reason))
    go_files = [path for path in changed if path.endswith(".go")]
    warnings: list[str] = []
    if go_files and config.auto:
        warnings = _auto(config, go_files, list_packages, chosen, skipped)
    elif go_files:
        skipped.append("auto = false: changed Go files select only the [[bench]] entries they "
                       "match")
    return Selection(tuple(chosen.items), tuple(changed), tuple(warnings), tuple(skipped))


@dataclass
class _Chosen:
    items: list[Selected] = field(default_factory=list)

    def add(self, selected: Selected) -> None:
        key = (selected.package, selected.pattern, selected.tags)
        if all((s.package, s.pattern, s.tags) != key for s in self.items):
            self.items.append(selected)

    def add_entry(self, config: Config, entry: BenchEntry, reason: str) -> None:
        for package in entry.packages:
            self.add(Selected(package, entry.pattern, entry.tags, reason,
                              config.threshold_of(entry)))

    def packages(self) -> set[str]:
        return {s.package for s in self.items}


@dataclass(frozen=True)
class _Candidate:
    hops: int
    directory: str
    reason: str
    tags: tuple[str, ...]


def _auto(config: Config, go_files: Sequence[str], list_packages: PackageLister,
          chosen: _Chosen, skipped: list[str]) -> list[str]:
    """Select the benchmarks of each changed package and of the packages importing it,
    nearest first, so a stale or missing map cannot let a regression through."""
    already = chosen.packages()
    best: dict[tuple[str, tuple[str, ...]], _Candidate] = {}
    for tags in _tag_sets(config):
        packages = [p for p in list_packages(tags) if _is_local(p.directory)]
        by_dir = {p.directory: p for p in packages}
        by_path = {p.import_path: p for p in packages}
        importers: dict[str, list[str]] = {}
        for package in packages:
            for imported in package.imports:
                if imported in by_path and imported != package.import_path:
                    importers.setdefault(imported, []).append(package.import_path)
        for file in go_files:
            start = by_dir.get(package_dir(file))
            if start is None:
                skipped.append(f"{file}: not part of a Go package at the pushed commit")
                continue
            for path, chain in _reverse_imports(start.import_path, importers):
                reached = by_path[path]
                if not reached.has_benchmarks or reached.directory in already:
                    continue
                if chain:
                    imports = ", which imports ".join(chain)
                    reason = f"{file}: {reached.directory} imports {imports}"
                else:
                    reason = f"{file} is in {reached.directory}"
                candidate = _Candidate(len(chain), reached.directory, reason, tags)
                current = best.get((candidate.directory, tags))
                if current is None or candidate.hops < current.hops:
                    best[(candidate.directory, tags)] = candidate
    ordered = sorted(best.values(), key=lambda c: (c.hops, c.directory, c.tags))
    limit = config.auto_max_packages
    for candidate in ordered[:limit]:
        entries = [e for e in config.benches if candidate.directory in e.packages]
        for entry in entries:
            if entry.tags == candidate.tags:
                chosen.add(Selected(candidate.directory, entry.pattern, entry.tags,
                                    candidate.reason, config.threshold_of(entry)))
        if not entries and not candidate.tags:
            chosen.add(Selected(candidate.directory, ".", (), candidate.reason))
    left_out = ordered[limit:]
    if not left_out:
        return []
    names = ", ".join(f"{c.directory} ({c.hops} hops)" for c in left_out)
    return [f"auto selection stopped at auto_max_packages = {limit}; not run: {names}. "
            "Map them to the files they depend on in benchguard.toml to run them"]


def _reverse_imports(start: str, importers: dict[str, list[str]]
                     ) -> list[tuple[str, list[str]]]:
    """Every package that imports ``start`` directly or not, breadth first, each with the
    import paths it reaches ``start`` through (nearest to it first, ``start`` last)."""
    found: list[tuple[str, list[str]]] = [(start, [])]
    chains = {start: [start]}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for importer in sorted(importers.get(current, ())):
            if importer in chains:
                continue
            chains[importer] = [importer, *chains[current]]
            found.append((importer, chains[importer][1:]))
            queue.append(importer)
    return found


def _tag_sets(config: Config) -> list[tuple[str, ...]]:
    return list(dict.fromkeys([(), *(entry.tags for entry in config.benches)]))


def _is_local(directory: str) -> bool:
    return directory == "." or directory.startswith("./")


def _first_match(patterns: Sequence[str], path: str) -> str:
    return next((p for p in patterns
                 if not p.startswith("!") and paths.path_matches(p, path)), patterns[0])


def unmatched_paths(config: Config, files: Sequence[str]) -> list[tuple[BenchEntry, str]]:
    """The `paths` patterns of each entry that match none of ``files`` (exclusions aside)."""
    unmatched = []
    for entry in config.benches:
        for pattern in entry.paths:
            if not pattern.startswith("!") and not any(
                    paths.path_matches(pattern, path) for path in files):
                unmatched.append((entry, pattern))
    return unmatched


def configured(config: Config) -> tuple[Selected, ...]:
    """Every [[bench]] entry, as if a push had selected them all (`report` judges so)."""
    chosen = _Chosen()
    for entry in config.benches:
        chosen.add_entry(config, entry, "configured")
    return tuple(chosen.items)


def threshold_for(config: Config, selected: Sequence[Selected], import_paths: Mapping[str, str],
                  bench: BenchKey) -> float:
    """The threshold ``bench`` is judged by: that of the first selection that runs it and names
    one (from its [[bench]] entry), else the global threshold. ``import_paths`` maps each
    selection's "./dir" to its import path."""
    from benchguard import go

    for choice in selected:
        if (choice.threshold is not None and import_paths.get(choice.package) == bench.package
                and go.pattern_matches(choice.pattern, bench.name)):
            return choice.threshold
    return config.threshold
