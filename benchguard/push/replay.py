"""Deciding a check measured in parts (`benchguard ci --shard K/N`, docs/ci.md "Shards"): what
each part's runs measured, as its shard recorded it (PartRecord), and a Replay that serves those
rounds to the Decider look by look as the runs of one check would have run them. The parts are
so decided as one check — one family, the same looks, the same rule — and the verdicts are those
an unsharded check reaches on the same rounds. Where the whole check's looks ask a result for
more rounds than its shard measured, it is decided on those it has, and said."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from benchguard.config import BenchEntry, Config
from benchguard.engine.benchfmt import BenchmarkSet
from benchguard.progress import Silent
from benchguard.push.deciding import Decider, Simulations
from benchguard.push.measure import Measured, decided
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.runs import Ran, RunsState
from benchguard.push.session import (
    Session,
    SessionRecord,
    Usage,
    record_of,
    replay,
    restored,
)
from benchguard.push.stored import Stored
from benchguard.style import plural


@dataclass(frozen=True)
class PartRecord:
    """What one shard measured of its part: every run of each session, round by round, what it
    left unchecked or failed (after the first rounds, and at the end), the import paths its runs
    reported and the stored baselines it compared with."""

    shard: int  # K, from 1
    shards: int  # N
    alone: SessionRecord | None  # the head alone, against a stored baseline
    side_by_side: SessionRecord | None  # base and head, round by round (confirmations too)
    first: RunsState
    final: RunsState
    packages: dict[str, str]
    stored: Stored
    # simulated selections: base and head as the decision reads them, and what each side cost
    simulated: dict[RunSpec, tuple[BenchmarkSet, BenchmarkSet]] = field(default_factory=dict)
    simulated_cost: dict[RunSpec, dict[str, Usage]] = field(default_factory=dict)
    # the timed runs of what simulation could not see, each of the simulated selection it is of
    timed: dict[RunSpec, RunSpec] = field(default_factory=dict)

    @property
    def specs(self) -> list[RunSpec]:
        found = [*(self.alone.specs if self.alone else ()),
                 *(self.side_by_side.specs if self.side_by_side else ()),
                 *self.final.unchecked, *self.final.failures]
        return list(dict.fromkeys(found))


def part_record(runs: Ran, first: RunsState, stored: Stored, specs: Sequence[RunSpec], *,
                shard: int, shards: int, simulated: Simulations | None = None,
                timed: Mapping[RunSpec, RunSpec] | None = None) -> PartRecord:
    """What ``runs`` (a shard's, of ``specs``) ran, as its part of the check; ``first``: what
    they had left after the first rounds (Measurement.after_first); ``simulated``: what it
    simulated; ``timed``: the timed runs of what simulation could not see (of ``specs``), each
    with its simulated selection."""
    wanted = set(specs)
    pairs = {spec: pair for spec in specs if simulated is not None
             and (pair := simulated.sets(spec, stored)) is not None}
    cost = {spec: used for spec in pairs if simulated is not None
            and (used := simulated.used(spec)) is not None}
    return PartRecord(
        shard, shards,
        None if runs.alone is None else record_of(runs.alone, specs),
        None if runs.side_by_side is None else record_of(runs.side_by_side, specs),
        _only(first, wanted), _only(runs.state, wanted), dict(runs.packages),
        Stored(samples={spec: samples for spec, samples in stored.samples.items()
                        if spec in wanted},
               mine=stored.mine & wanted, elsewhere=stored.elsewhere & wanted,
               at={spec: commit for spec, commit in stored.at.items() if spec in wanted}),
        pairs, cost, dict(timed or {}))


class Replay(Ran):
    """The rounds of a check's parts, served to the Decider as its looks ask for them: each
    part's first rounds from the start, a confirmation's side-by-side rounds when the stored
    baseline's look asks for it, and each extra round of only the benchmarks the whole check
    still has undecided — when their shard ran that round of them."""

    def __init__(self, base: str, head: str, settings: RunSettings, parts: Sequence[PartRecord],
                 *, budget: str) -> None:
        super().__init__(base, head, settings, budget=budget)
        self.parts = {spec: part for part in parts for spec in part.specs}
        self.simulations = Recorded(parts)
        self.state = _merged([part.first for part in parts])
        self.final = _merged([part.final for part in parts])
        for part in parts:
            self.packages.update(part.packages)
        self.stored = Stored()
        for part in parts:
            self.stored.samples.update(part.stored.samples)
            self.stored.mine |= part.stored.mine
            self.stored.elsewhere |= part.stored.elsewhere
            self.stored.at.update(part.stored.at)
        count = settings.count
        for part in parts:
            if part.alone is not None:
                alone = self.alone = self.alone or restored(part.alone, settings)
                for spec in part.alone.specs:
                    replay(alone, part.alone.of(spec), through=count)
            if part.side_by_side is not None:
                both = self._both(part.side_by_side)
                confirmed = set(part.alone.specs) if part.alone is not None else set()
                for spec in part.side_by_side.specs:
                    if spec not in confirmed:
                        replay(both, part.side_by_side.of(spec), through=count)

    def _both(self, record: SessionRecord) -> Session:
        if self.side_by_side is None:
            self.side_by_side = restored(record, self.settings)
        return self.side_by_side

    def confirm(self, spec: RunSpec, names: Sequence[str], doing: str) -> None:
        """What the shard's confirmation of ``spec`` measured side by side, and left or
        failed."""
        final, state = self.final, self.state
        if spec in final.unchecked:
            state.unchecked[spec] = final.unchecked[spec]
        if spec in final.left_out:
            state.left_out[spec] = final.left_out[spec]
        if spec in final.cut:
            state.cut[spec] = final.cut[spec]
        if spec in final.failures:
            state.failures[spec] = final.failures[spec]
        record = self.parts[spec].side_by_side
        if record is not None and record.of(spec):
            replay(self._both(record), record.of(spec), through=self.settings.count)

    def extra_rounds(self, names: Mapping[RunSpec, list[str]], rounds: int, *, why: str,
                     total: int) -> int:
        """The next ``rounds`` rounds of ``names``, each selection's where its shard ran them;
        a selection whose shard stopped sooner gets fewer (Decider gives those results up)."""
        for spec, wanted in names.items():
            self.undecided.setdefault(spec, len(wanted))
        both = self.side_by_side
        for _ in range(rounds):
            for spec, wanted in names.items():
                record = self.parts[spec].side_by_side
                if both is None or record is None:
                    continue
                if replay(both, record.of(spec), through=both.rounds.get(spec, 0) + 1,
                          names=set(wanted)):
                    self.extra[spec] = self.extra.get(spec, 0) + 1
        return rounds

    def stopped(self, spec: RunSpec) -> str:
        part = self.parts[spec]
        ran = self.side_by_side.rounds.get(spec, 0) if self.side_by_side is not None else 0
        return (f"its shard ({part.shard}/{part.shards}) measured it in "
                f"{plural(ran, 'round')}")


class Recorded:
    """The simulated selections of a check's parts, as their shards recorded them."""

    def __init__(self, parts: Sequence[PartRecord]) -> None:
        self.pairs = {spec: pair for part in parts for spec, pair in part.simulated.items()}
        self.cost = {spec: used for part in parts for spec, used in part.simulated_cost.items()}

    def sets(self, spec: RunSpec, stored: Stored) -> tuple[BenchmarkSet, BenchmarkSet] | None:
        return self.pairs.get(spec)

    def used(self, spec: RunSpec) -> dict[str, Usage] | None:
        return self.cost.get(spec)


def decide(config: Config, base: str, head: str, parts: Sequence[PartRecord],
           specs: Sequence[RunSpec], entries: Mapping[RunSpec, BenchEntry],
           packages: Mapping[str, str]) -> Measured:
    """Decide the recorded ``parts`` of one check as one: ``specs`` are the whole plan's
    selections in order, ``entries`` their [[bench]] entries, ``packages`` the import paths the
    selection knew. The timed runs of what simulation could not see follow, with the entries
    of the selections they are of."""
    replay_ = Replay(base, head, RunSettings.from_config(config), parts, budget=config.budget)
    timed = {derived: of for part in parts for derived, of in part.timed.items()}
    order = [*specs, *(derived for derived in timed if derived not in specs)]
    judged = {**{derived: entries[of] for derived, of in timed.items() if of in entries},
              **entries}
    measured = [spec for spec in order if spec not in replay_.failures]
    decider = Decider(config, replay_, replay_.stored, measured, judged, reporter=Silent(),
                      simulated=replay_.simulations)
    return decided(decider, order, dict(packages))


def _merged(states: Sequence[RunsState]) -> RunsState:
    merged = RunsState()
    for state in states:
        copied = state.copy()
        merged.unchecked.update(copied.unchecked)
        merged.left_out.update(copied.left_out)
        merged.cut.update(copied.cut)
        merged.failures.update(copied.failures)
    return merged


def _only(state: RunsState, specs: set[RunSpec]) -> RunsState:
    return RunsState({spec: why for spec, why in state.unchecked.items() if spec in specs},
                     {spec: (list(names), why) for spec, (names, why) in state.left_out.items()
                      if spec in specs},
                     {spec: rounds for spec, rounds in state.cut.items() if spec in specs},
                     {spec: error for spec, error in state.failures.items() if spec in specs})
