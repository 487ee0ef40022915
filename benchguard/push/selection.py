"""Which benchmarks a set of changed files selects, and why (docs/check.md).

Four rules, each with its reason: `always` patterns; a module's go.mod/go.sum (and a root
go.work/go.work.sum) for that module's packages; [[bench]] entries by their `paths`; and with
`auto`, the go command's own file lists: a changed file selects the package it builds and every
benchmarked package whose test binary is built from that package (a file only tests use selects
its own package alone). Changed files that could move a benchmark but select none are named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchguard.config import FILENAME, paths
from benchguard.engine import benchmatch
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.tools import git, modules

if TYPE_CHECKING:
    from benchguard.config import BenchEntry, Config
    from benchguard.engine.benchfmt import SeriesKey
    from benchguard.tools.go import GoPackage
    from benchguard.tools.modules import Layout, Module
    from benchguard.tools.packages import Listing, Snapshot


@dataclass(frozen=True)
class Selected:
    """Run ``pattern`` in ``package`` (a directory like "./hashing") because of ``reason``."""

    package: str  # relative to the repository root, as in benchguard.toml
    pattern: str
    tags: tuple[str, ...]
    reason: str
    entry: BenchEntry | None = None  # whose thresholds and min_effect apply (config.threshold_for)
    module: str = "."  # the directory of the module holding the package: go runs there
    import_path: str = ""  # "" when unknown (a go.mod without a module line)
    # how far from a changed file: 0 its own package, 1 a direct importer, …; LATE for what
    # only `always` or a module file selected (the order a time budget spends in)
    hops: int = 0


# The relevance of a selection nothing but `always` or a changed go.mod/go.work put in.
LATE = 1000


@dataclass(frozen=True)
class Uncovered:
    """A changed file that could move a benchmark, but selects none."""

    path: str
    why: str


@dataclass(frozen=True)
class Failed:
    """A selection that cannot be measured: go could not load the package or its module."""

    what: str  # "./hashing" or "module ./tools"
    message: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    selected: tuple[Selected, ...]
    changed: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # always shown: benchmarks auto selection had to leave out
    skipped: tuple[str, ...] = ()   # shown with --verbose: what was not selected and why
    uncovered: tuple[Uncovered, ...] = ()
    failed: tuple[Failed, ...] = ()
    go_runs: int = 0  # `go list` commands run to decide


def select(config: Config, changed: Sequence[str], head: Snapshot,
           base: Snapshot | None = None) -> Selection:
    """Map ``changed`` files to benchmarks at ``head``. A file ``head`` does not have (deleted,
    or renamed away) is looked up at ``base``. go runs only when a file could build Go code."""
    selector = _Selector(_GoFiles(config, head, base))
    selector.entries(changed)
    selector.always(changed)
    selector.module_files(changed)
    selector.auto(changed)
    runs = head.go_runs + (base.go_runs if base is not None else 0)
    return Selection(selector.by_relevance(), tuple(changed), tuple(selector.warnings),
                     tuple(selector.skipped), tuple(selector.files.uncovered.values()),
                     tuple(selector.files.failed.values()), runs)


@dataclass(frozen=True)
class _Candidate:
    hops: int
    directory: str
    reason: str
    tags: tuple[str, ...]
    package: GoPackage


@dataclass
class _GoFiles:
    """Changed files mapped to the benchmarked packages built from them, through go's own file
    lists and import graph (listed once per module and build tags); what go cannot list fails
    its selections, and a file that selects nothing is named with why."""

    config: Config
    head: Snapshot
    base: Snapshot | None
    uncovered: dict[str, Uncovered] = field(default_factory=dict)
    failed: dict[tuple[str, tuple[str, ...]], Failed] = field(default_factory=dict)

    def built_with(self, side: Snapshot, module: Module, tags: tuple[str, ...]) -> bool:
        """Whether an entry with ``tags`` names a package that can be built from ``module``'s
        code (in it, in a module that replaces it by directory, or in the workspace): only then
        is the module listed with those tags."""
        layout = side.layout
        for entry in self.config.benches:
            if entry.tags != tags:
                continue
            for package in entry.packages:
                owner = layout.module_of(package)
                if owner is not None and (layout.workspace or owner == module
                                          or module.directory in owner.replaces):
                    return True
        return False

    def files_by_side(self, changed: Sequence[str]) -> dict[Snapshot, list[tuple[str, Module]]]:
        """The changed files that could build Go code, each with its module, on the side that
        has it: the head, else (deleted or renamed away) the base."""
        sides: dict[Snapshot, list[tuple[str, Module]]] = {self.head: []}
        maybe_embedded: dict[Snapshot, list[tuple[str, Module, list[str]]]] = {}
        for path in changed:
            if path.rsplit("/", 1)[-1] in (*modules.MODULE_FILES, *modules.WORKSPACE_FILES):
                continue
            side = self.head if path in self.head.layout.files else self.base
            if side is None or path not in side.layout.files:
                continue
            module = side.layout.module_of(path)
            if module is None:
                if modules.is_source(path):
                    self.not_covered(path, "in no Go module (no go.mod above it)")
                continue
            if not side.layout.builds(module):
                if modules.is_source(path):
                    self.not_covered(path, f"in module {module.directory}, which go.work does "
                                           "not use, so go does not build it")
                continue
            if modules.is_source(path):
                sides.setdefault(side, []).append((path, module))
            elif above := _go_files_above(side.layout, path, module):
                maybe_embedded.setdefault(side, []).append((path, module, above))
        for side, files in maybe_embedded.items():
            # one git grep for every file of the side: a package can embed only files at or
            # below its own directory, so only .go files above them that say go:embed can
            embedding = set(git.files_containing(side.repo, side.commit, "go:embed", list(
                dict.fromkeys(go_file for _, _, above in files for go_file in above))))
            sides.setdefault(side, []).extend((path, module) for path, module, above in files
                                              if embedding.intersection(above))
        return sides

    def listings(self, side: Snapshot, wanted: Iterable[Module], tags: tuple[str, ...]
                 ) -> list[Listing]:
        """``side``'s listings of ``wanted``; a module go cannot list fails its selections."""
        found = []
        for module in dict.fromkeys(wanted):
            try:
                found += side.listings([module], tags)
            except BenchguardError as error:
                if error.exit_code == EXIT_USAGE:
                    raise
                self.failed.setdefault((f"module {module.directory}", tags),
                                       Failed(f"module {module.directory}", error.message, tags))
        return list({id(listing): listing for listing in found}.values())

    def candidates(self, side: Snapshot, listings: Sequence[Listing], path: str,
                   tags: tuple[str, ...]) -> list[_Candidate] | str:
        """The benchmarked packages ``path`` can move with ``tags``, or why there is none."""
        # a module another one builds (replace by directory) is in both their listings
        builds = list({(package.import_path, test): (package, test) for listing in listings
                       for package, test in listing.by_file.get(path, ())}.values())
        if not builds:
            if any(listing.ignored(path) for listing in listings):
                shown = f" -tags={','.join(tags)}" if tags else " (no build tags)"
                return f"build constraints leave it out{shown}"
            return "in no Go package" if modules.is_source(path) else ""
        found: list[_Candidate] = []
        for package, test in builds:
            if test:  # a _test.go or test-embedded file: only its own test binary has it
                here = self.head_package(side, package, tags)
                if here is not None and here.has_benchmarks:
                    found.append(_Candidate(0, here.directory,
                                            f"{path} is a test file of {here.directory}", tags,
                                            here))
                continue
            for reached, chain in self.dependents(side, package, tags):
                if chain:
                    reason = f"{path}: {reached.directory} imports {', which imports '.join(chain)}"
                else:
                    reason = f"{path} is in {reached.directory}"
                found.append(_Candidate(len(chain), reached.directory, reason, tags, reached))
        if found:
            return found
        if all(test for _, test in builds):
            return ""  # tests of a package without benchmarks: nothing they can move
        directories = ", ".join(dict.fromkeys(package.directory or package.import_path
                                              for package, _ in builds))
        return f"no benchmarked package is built from {directories}"

    def head_package(self, side: Snapshot, package: GoPackage, tags: tuple[str, ...]
                     ) -> GoPackage | None:
        """``package`` (listed at ``side``) as the head has it, None when it is gone."""
        if side is self.head:
            return package
        for listing in self.head_listings(package.directory, tags):
            if package.import_path in listing.packages:
                return listing.packages[package.import_path]
        return None

    def dependents(self, side: Snapshot, package: GoPackage, tags: tuple[str, ...]
                   ) -> list[tuple[GoPackage, list[str]]]:
        """The benchmarked head packages built from ``package``: looked up at the head when it
        is still there, else among the base's dependents the head still has."""
        module = side.layout.module_of(package.directory) if package.directory else None
        listings = self.listings(side, [module], tags) if module is not None else []
        if side is not self.head:
            here = self.head_listings(package.directory, tags)
            if any(package.import_path in listing.packages for listing in here):
                listings = here
        found = []
        for listing in listings:
            for reached, chain in listing.dependents(package.import_path):
                if reached.directory and self.head.layout.go_files(reached.directory):
                    found.append((reached, chain))
        return found

    def head_listings(self, directory: str, tags: tuple[str, ...]) -> list[Listing]:
        module = self.head.layout.module_of(directory) if directory else None
        return self.listings(self.head, [module], tags) if module is not None else []

    def not_covered(self, path: str, why: str) -> None:
        self.uncovered.setdefault(path, Uncovered(path, why))


@dataclass
class _Selector:
    """The selection rules applied in turn, and what they chose."""

    files: _GoFiles
    chosen: list[Selected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)  # changed files that selected something
    # (package, tags) -> the fewest import hops from a changed file, as go's graph says
    hops: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)

    def by_relevance(self) -> tuple[Selected, ...]:
        """The selections in the order a time budget spends in (push.plan): the changed files'
        own packages first, then direct importers, then indirect ones (go's graph, where it
        knows them); a [[bench]] entry whose paths matched counts as the changed package,
        what only `always` or a module file selected comes last. Ties keep the rules' order."""
        ranked = [dataclasses.replace(s, hops=self.hops.get((s.package, s.tags), s.hops))
                  for s in self.chosen]
        return tuple(sorted(ranked, key=lambda s: s.hops))

    def always(self, changed: Sequence[str]) -> None:
        """A file matching the user's `always` selects every entry (with none, every package
        with benchmarks)."""
        hits = [path for path in changed if paths.matches_any(self.files.config.always, path)]
        if not hits:
            return
        self.covered.update(hits)
        reason = f"{hits[0]} matched always = {_first_match(self.files.config.always, hits[0])}"
        for entry in self.files.config.benches:
            self.add_entry(entry, reason, hops=LATE)
        if not self.files.config.benches:
            self.every_package(self.files.head.layout.built, reason)

    def module_files(self, changed: Sequence[str]) -> None:
        """A module's go.mod or go.sum selects its packages, as `always` would; a root go.work
        or go.work.sum every module's."""
        layout = self.files.head.layout
        hit: dict[str, tuple[Module, str]] = {}
        for path in changed:
            if path in modules.WORKSPACE_FILES:
                self.covered.add(path)
                for module in layout.built:
                    hit.setdefault(module.directory, (module, f"{path} changed"))
                continue
            if path.rsplit("/", 1)[-1] not in modules.MODULE_FILES:
                continue
            owner = layout.module(modules.directory_of(path))
            if owner is None:
                continue  # not a module: below testdata/, say, or deleted with its module
            if not layout.builds(owner):
                self.files.not_covered(path, f"module {owner.directory} is not in go.work's use "
                                       "list, so go does not build it")
                continue
            self.covered.add(path)
            hit.setdefault(owner.directory, (owner, f"{path} changed"))
        for module, reason in hit.values():
            mine = [entry for entry in self.files.config.benches
                    if any(layout.module_of(package) == module for package in entry.packages)]
            for entry in mine:
                self.add_entry(entry, reason, hops=LATE)
            if not mine:
                self.every_package([module], reason)

    def entries(self, changed: Sequence[str]) -> None:
        for entry in self.files.config.benches:
            hits = [path for path in changed if paths.matches_any(entry.paths, path)]
            if hits:
                self.covered.update(hits)
                self.add_entry(entry, f"{hits[0]} matched {_first_match(entry.paths, hits[0])}")
            else:
                self.skipped.append(f"{', '.join(entry.packages)} ({entry.pattern}): no changed "
                                    f"file matches {', '.join(entry.paths)}")

    def auto(self, changed: Sequence[str]) -> None:
        """Map each changed file that could build Go code through go's own file lists."""
        sides = self.files.files_by_side(changed)
        if not any(sides.values()):
            return
        if not self.files.config.auto:
            for files in sides.values():
                for path, _ in files:
                    if path not in self.covered and modules.is_source(path):
                        self.files.not_covered(path, "auto = false and no [[bench]] entry's paths "
                                               "match it")
            return
        best: dict[tuple[str, tuple[str, ...]], _Candidate] = {}
        seen: dict[str, list[str]] = {}  # file -> why it selected nothing, per tag set
        for tags in _tag_sets(self.files.config):
            for side, every_file in sides.items():
                files = [(path, module) for path, module in every_file
                         if not tags or self.files.built_with(side, module, tags)]
                if not files:
                    continue
                listings = self.files.listings(side, [module for _, module in files], tags)
                for path, _ in files:
                    found = self.files.candidates(side, listings, path, tags)
                    if isinstance(found, str):
                        seen.setdefault(path, []).append(found)
                        continue
                    self.covered.add(path)
                    for candidate in found:
                        key = (candidate.directory, candidate.tags)
                        current = best.get(key)
                        if current is None or candidate.hops < current.hops:
                            best[key] = candidate
        for (directory, tags), candidate in best.items():
            self.hops[directory, tags] = candidate.hops
        self.add_candidates(sorted(best.values(), key=lambda c: (c.hops, c.directory, c.tags)))
        for path, reasons in seen.items():
            why = next((reason for reason in reasons if reason), "")
            if path not in self.covered and why:
                self.files.not_covered(path, why)

    def add_candidates(self, ordered: Sequence[_Candidate]) -> None:
        """The nearest candidates first (fewest import hops), up to auto_max_packages, so a
        stale or missing map cannot let a regression through."""
        taken = {(s.package, s.tags) for s in self.chosen}
        ordered = [c for c in ordered if (c.directory, c.tags) not in taken]
        limit = self.files.config.auto_max_packages
        for candidate in ordered[:limit]:
            entries = [e for e in self.files.config.benches if candidate.directory in e.packages]
            for entry in entries:
                if entry.tags == candidate.tags:
                    self.add(candidate.package, entry.pattern, entry.tags, candidate.reason,
                             entry, hops=candidate.hops)
            if not entries and not candidate.tags:
                self.add(candidate.package, ".", (), candidate.reason, hops=candidate.hops)
        left_out = ordered[limit:]
        if left_out:
            names = ", ".join(f"{c.directory} ({c.hops} hops)" for c in left_out)
            self.warnings.append(f"auto selection stopped at auto_max_packages = {limit}; not "
                                 f"run: {names}. Map them to the files they depend on in "
                                 "benchguard.toml to run them")

    def every_package(self, wanted: Sequence[Module], reason: str) -> None:
        for listing in self.files.listings(self.files.head, wanted, ()):
            for package in sorted(listing.benchmarked, key=lambda p: p.directory):
                if self.files.head.layout.module_of(package.directory) in wanted:
                    self.add(package, ".", (), reason, hops=LATE)

    def add_entry(self, entry: BenchEntry, reason: str, *, hops: int = 0) -> None:
        head = self.files.head
        layout = head.layout
        for package in entry.packages:
            module = check_package(self.files.config, entry, package, layout, head.commit)
            self.chosen_add(Selected(package, entry.pattern, entry.tags, reason, entry,
                                     module.directory,
                                     layout.import_path(package) or "", hops))

    def add(self, package: GoPackage, pattern: str, tags: tuple[str, ...], reason: str,
            entry: BenchEntry | None = None, *, hops: int = 0) -> None:
        module = self.files.head.layout.module_of(package.directory)
        if package.error:
            where = f" (module {module.path or module.directory})" if module else ""
            self.files.failed.setdefault((package.directory, tags), Failed(
                package.directory, f"{package.directory}{where}: go cannot load it or what it "
                                   f"imports: {package.error}", tags))
            return
        self.chosen_add(Selected(package.directory, pattern, tags, reason, entry,
                                 module.directory if module else ".", package.import_path, hops))

    def chosen_add(self, selected: Selected) -> None:
        key = (selected.package, selected.pattern, selected.tags)
        if all((s.package, s.pattern, s.tags) != key for s in self.chosen):
            self.chosen.append(selected)


def check_package(config: Config, entry: BenchEntry, package: str, layout: Layout,
                  commit: str) -> Module:
    """The module of a [[bench]] entry's ``package`` at ``commit`` (whose modules ``layout``
    holds); a usage error naming the entry's line when it has no Go files there or go does not
    build its module."""
    module = layout.module_of(package)
    if module is None or not layout.go_files(package):
        where = "" if module is None else f" in module {module.directory}"
        raise BenchguardError(
            f"{_config_name(config)}:{entry.line}: [[bench]] package {package} has "
            f"no Go files{where} at {git.short(commit)}", exit_code=EXIT_USAGE)
    if not layout.builds(module):
        raise BenchguardError(
            f"{_config_name(config)}:{entry.line}: [[bench]] package {package} is "
            f"in module {module.directory}, which go.work does not use", exit_code=EXIT_USAGE)
    return module


def _go_files_above(layout: Layout, path: str, module: Module) -> list[str]:
    """The .go files in the directories from ``path``'s up to its module's root."""
    directory = modules.directory_of(path)
    found: list[str] = []
    while True:
        found += layout.go_files(directory)
        if directory in (module.directory, "."):
            return found
        directory = modules.parent(directory)


def _tag_sets(config: Config) -> list[tuple[str, ...]]:
    return list(dict.fromkeys([(), *(entry.tags for entry in config.benches)]))


def _first_match(patterns: Sequence[str], path: str) -> str:
    return next((p for p in patterns
                 if not p.startswith("!") and paths.path_matches(p, path)), patterns[0])


def _config_name(config: Config) -> str:
    return FILENAME if config.path is None else config.path.rsplit("/", 1)[-1]


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
    chosen: dict[tuple[str, str, tuple[str, ...]], Selected] = {}
    for entry in config.benches:
        for package in entry.packages:
            chosen.setdefault((package, entry.pattern, entry.tags), Selected(
                package, entry.pattern, entry.tags, "configured", entry))
    return tuple(chosen.values())


def threshold_for(config: Config, selected: Sequence[Selected], import_paths: Mapping[str, str],
                  series: SeriesKey) -> float:
    """The threshold a stored result is judged by: that of the first selection that would have
    produced it (its package, build tags, and -bench pattern by Go's own rule) whose entry sets
    one for its metric, else the top level's (config.threshold_for). ``import_paths`` maps each
    selection's "./dir" to its import path. Results measured now carry their run instead
    (measure.Measured.owners)."""

    bench = series.bench
    for choice in selected:
        if (choice.entry is not None and choice.entry.own_threshold(series.unit) is not None
                and import_paths.get(choice.package) == bench.package
                and choice.tags == bench.tags and benchmatch.runs(choice.pattern, bench.name)):
            return config.threshold_for(choice.entry, series.unit)
    return config.threshold_for(None, series.unit)
