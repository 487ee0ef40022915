"""The stored baselines a range's check compares its head with: for each selection, the samples
of its benchmarks that notes.baseline_samples picks (per benchmark, the newest record of this
machine; of any machine with --any-machine) from the base commit — or from its nearest
first-parent ancestor with them, when the commits since select none of this selection (docs,
configuration: a push of them would have checked nothing here, so the benchmarks are the same).
Only records measured with comparable settings count (RunSettings.comparable)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from benchguard.config import Config
from benchguard.engine import benchmatch
from benchguard.engine.benchfmt import BenchmarkSet
from benchguard.progress import Reporter, Silent
from benchguard.push import ancestry
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.store.notes import NotesStore
from benchguard.tools.go import Fingerprint
from benchguard.tools.packages import Snapshot

# How many first-parent commits back from the base to look for a stored baseline that serves.
ANCESTORS = 30


@dataclass
class Stored:
    """What the notes hold for a range's selections."""

    samples: dict[RunSpec, BenchmarkSet] = field(default_factory=dict)  # what serves each
    mine: set[RunSpec] = field(default_factory=set)  # this machine's stored baseline has them
    elsewhere: set[RunSpec] = field(default_factory=set)  # only another machine's has them
    at: dict[RunSpec, str] = field(default_factory=dict)  # the commit whose baseline serves


def load(store: NotesStore, base: str, specs: Sequence[RunSpec], *, config: Config,
         settings: RunSettings, fingerprint: Fingerprint, packages: Mapping[str, str],
         base_snapshot: Callable[[], Snapshot], any_machine: bool,
         reporter: Reporter) -> Stored:
    """The stored baselines of ``specs`` at ``base`` or a first-parent ancestor that still serves
    them (ancestry.unchanged, from ``base_snapshot``: listed only when needed); ``packages``
    gives a selection's import path where known. Also which selections only another machine has
    a baseline of (used only with ``any_machine``)."""
    found = Stored()
    comparable = settings.comparable()
    quiet = Silent()
    for commit, _ in store.along_first_parents(base, ANCESTORS):
        missing = [spec for spec in specs
                   if spec not in found.samples and spec not in found.elsewhere]
        if commit != base and missing:
            missing = ancestry.unchanged(store.repo, commit, missing, config, base_snapshot())
        if not missing:
            break
        mine = store.baseline(commit, fingerprint, reporter=reporter if commit == base else quiet,
                              settings=comparable)
        anywhere = store.baseline(commit, fingerprint, reporter=quiet, any_machine=True,
                                  settings=comparable)
        for spec in missing:
            package = packages.get(spec.package)
            ours = stored_for(mine, spec, package) if mine is not None else None
            theirs = stored_for(anywhere, spec, package) if anywhere is not None else None
            if ours is not None and ours.samples:
                found.mine.add(spec)
                found.samples[spec] = ours
                found.at[spec] = commit
            elif theirs is not None and theirs.samples:
                found.elsewhere.add(spec)
                if any_machine:
                    found.samples[spec] = theirs
                    found.at[spec] = commit
    return found


def stored_for(samples: BenchmarkSet, spec: RunSpec, import_path: str | None) -> BenchmarkSet:
    """The stored samples ``spec`` would have produced: its package (by import path, when known)
    and build tags, and the names its -bench pattern runs (benchmatch.runs, Go's own rule)."""
    return BenchmarkSet(samples={key: values for key, values in samples.samples.items()
                                 if (import_path is None or key.bench.package == import_path)
                                 and key.bench.tags == spec.tags
                                 and benchmatch.runs(spec.pattern, key.bench.name)},
                        higher_is_better=dict(samples.higher_is_better),
                        assume_exact=dict(samples.assume_exact),
                        configuration=dict(samples.configuration),
                        warnings=list(samples.warnings))

