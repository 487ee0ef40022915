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
from benchguard.engine.simulation import Identity, Iterations
from benchguard.progress import Reporter, Silent
from benchguard.push import ancestry
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.store.notes import SIMULATION, TIME, NotesStore, Record, baseline_sources
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
    # simulated selections: the stored simulated baseline that serves (any machine's, of the
    # same identity), the commit it is on, its identity and each benchmark's iteration counts
    simulated: dict[RunSpec, BenchmarkSet] = field(default_factory=dict)
    simulated_at: dict[RunSpec, str] = field(default_factory=dict)
    identities: dict[RunSpec, Identity] = field(default_factory=dict)
    iterations: dict[RunSpec, dict[str, Iterations]] = field(default_factory=dict)


def load(store: NotesStore, base: str, specs: Sequence[RunSpec], *, config: Config,
         settings: RunSettings, fingerprint: Fingerprint, packages: Mapping[str, str],
         base_snapshot: Callable[[], Snapshot], any_machine: bool,
         reporter: Reporter, simulated: Mapping[RunSpec, Identity] | None = None) -> Stored:
    """The stored baselines of ``specs`` at ``base`` or a first-parent ancestor that still serves
    them (ancestry.unchanged, from ``base_snapshot``: listed only when needed); ``packages``
    gives a selection's import path where known. Also which selections only another machine has
    a baseline of (used only with ``any_machine``). The specs of ``simulated`` (each with the
    identity its simulation will have) also look for a simulated baseline (and the timed one
    serves what simulation cannot see)."""
    found = Stored()
    simulated = simulated or {}
    comparable = settings.comparable()
    quiet = Silent()
    for commit, records in store.along_first_parents(base, ANCESTORS):
        missing = [spec for spec in specs
                   if (spec not in found.samples and spec not in found.elsewhere)
                   or (spec in simulated and spec not in found.simulated)]
        if commit != base and missing:
            missing = ancestry.unchanged(store.repo, commit, missing, config, base_snapshot())
        if not missing:
            break
        _simulated_at(found, commit, records, [spec for spec in missing if spec in simulated
                                               and spec not in found.simulated],
                      simulated, packages, comparable)
        missing = [spec for spec in missing
                   if spec not in found.samples and spec not in found.elsewhere]
        mine = store.baseline(commit, fingerprint, reporter=reporter if commit == base else quiet,
                              settings=comparable, instrument=TIME)
        anywhere = store.baseline(commit, fingerprint, reporter=quiet, any_machine=True,
                                  settings=comparable, instrument=TIME)
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


def _simulated_at(found: Stored, commit: str, records: Sequence[Record],
                  specs: Sequence[RunSpec], simulated: Mapping[RunSpec, Identity],
                  packages: Mapping[str, str], comparable: Mapping[str, object]) -> None:
    """The simulated baselines on ``commit`` that serve ``specs``: any machine's record with the
    identity each will be simulated with (notes.same_identity)."""
    for spec in specs:
        sources = baseline_sources(records, None, settings=comparable, instrument=SIMULATION,
                                   identity=simulated[spec])
        package = packages.get(spec.package)
        chosen = {bench: record for bench, record in sources.items()
                  if (package is None or bench.package == package) and bench.tags == spec.tags
                  and benchmatch.runs(spec.pattern, bench.name)}
        if not chosen:
            continue
        samples = BenchmarkSet()
        counts: dict[str, Iterations] = {}
        for bench, record in chosen.items():
            assert record.samples is not None and record.identity is not None
            found.identities.setdefault(spec, record.identity)
            samples.samples.update({key: list(values) for key, values
                                    in record.samples.samples.items() if key.bench == bench})
            samples.assume_exact.update(record.samples.assume_exact)
            samples.higher_is_better.update(record.samples.higher_is_better)
            low_high = iterations_of(record).get((bench.package, bench.name))
            if low_high is not None:
                counts[bench.name] = low_high
        found.simulated[spec] = samples
        found.simulated_at[spec] = commit
        found.iterations[spec] = counts


def iterations_of(record: Record) -> dict[tuple[str, str], Iterations]:
    """The iteration counts a simulated record's benchmarks were simulated at, by (package,
    name) (docs/notes-format.md, "Simulated records")."""
    counts = {}
    for entry in record.settings.get("iterations", []):
        counts[(entry["package"], entry["name"])] = Iterations(entry["low"], entry["high"])
    return counts


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

