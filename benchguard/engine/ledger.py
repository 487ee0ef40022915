"""The decisions of one check, look by look (docs/check.md, "Noisy machines"): the rule the
configuration asks for, each (benchmark, metric) as the decision rule reads it — round i's base
and head paired, or the stored baseline against the head measured now — and a ledger of what is
decided, when, and how many blocks the false-block control has already spent alpha on.

What runs the rounds is push.runs, what decides with this ledger push.deciding; the statistics
are engine.decision's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchguard.engine import decision
from benchguard.engine.benchfmt import SeriesKey, default_higher_is_better
from benchguard.engine.decision import Decision, Method, Rule, Series, State, Why
from benchguard.style import plural

if TYPE_CHECKING:
    from benchguard.engine.benchfmt import BenchmarkSet

# Rounds between looks: every look spends alpha, and a look every round costs as much as one
# every 2 while spending it thinner (benchmarks/README.md).
STEP = 2


@dataclass(frozen=True)
class Judging:
    """How one (benchmark, metric) is judged."""

    threshold: float
    min_effect: float | None = None


def paired(rounds: Sequence[tuple[BenchmarkSet, BenchmarkSet]], judging: Callable[[SeriesKey],
           Judging], *, wanted: Callable[[SeriesKey], bool]) -> dict[SeriesKey, Series]:
    """Every wanted (benchmark, metric) that both sides measured in some round, as the paired
    rule reads it: its values of the rounds both sides have it, in round order."""
    values: dict[SeriesKey, tuple[list[float], list[float]]] = {}
    for base, head in rounds:
        for key, before in base.samples.items():
            after = head.samples.get(key)
            if after and before and wanted(key):
                pair = values.setdefault(key, ([], []))
                pair[0].append(before[0])
                pair[1].append(after[0])
    sets = [one for both in rounds for one in both]
    return {key: _series(key, base, head, judging(key), sets) for key, (base, head)
            in values.items()}


def against_stored(stored: BenchmarkSet, head: BenchmarkSet,
                   judging: Callable[[SeriesKey], Judging], *,
                   wanted: Callable[[SeriesKey], bool]) -> dict[SeriesKey, Series]:
    """Every wanted (benchmark, metric) of ``head`` the stored baseline has: two unpaired
    samples, minutes or days apart."""
    return {key: _series(key, stored.samples[key], after, judging(key), (stored, head),
                         stored=True)
            for key, after in head.samples.items()
            if after and stored.samples.get(key) and wanted(key)}


def _series(key: SeriesKey, base: Sequence[float], head: Sequence[float], judging: Judging,
            sets: Sequence[BenchmarkSet], *, stored: bool = False) -> Series:
    higher = next((one.higher_is_better[key.unit] for one in sets
                   if key.unit in one.higher_is_better), default_higher_is_better(key.unit))
    exact = next((one.assume_exact[key.unit] for one in sets if key.unit in one.assume_exact),
                 False)
    return Series(list(base), list(head), judging.threshold, higher, judging.min_effect, exact,
                  stored)


@dataclass
class Ledger:
    """What each result of one check came to, and at which round. ``family`` is the number of
    results the first look tests (decision.family_of; 1 with correction = "none"); each block
    lowers it for the looks after (Holm's step-down, carried across looks)."""

    rule: Rule
    family: int
    made: dict[SeriesKey, Decision] = field(default_factory=dict)
    at: dict[SeriesKey, int] = field(default_factory=dict)  # the round it was decided at
    blocked: int = 0

    def look(self, series: Mapping[SeriesKey, Series], rounds: int
             ) -> dict[SeriesKey, Decision]:
        """Decide ``series`` at the look after ``rounds`` rounds; what is no longer undecided
        is final. Returns the undecided ones."""
        looked = decision.decide_look(series, self.rule, rounds=rounds,
                                      family=max(self.family - self.blocked, 1))
        return self.keep(looked, rounds)

    def keep(self, looked: Mapping[SeriesKey, Decision], rounds: int
             ) -> dict[SeriesKey, Decision]:
        """Keep the decided of ``looked`` (made at ``rounds``); returns the undecided."""
        undecided = {}
        for key, one in looked.items():
            if one.state == State.UNDECIDED:
                undecided[key] = one
                continue
            self.made[key], self.at[key] = one, rounds
            if one.blocks and one.method != Method.EXACT:
                self.blocked += 1
        return undecided

    def give_up(self, undecided: Mapping[SeriesKey, Decision], rounds: int, why: str, *,
                out_of_time: bool = False, unconfirmed: str = "not confirmed in time") -> None:
        """What is still undecided when rounds or time run out passes, unresolved — except,
        ``out_of_time``, a result worse than the threshold by its whole interval: that is
        ``unconfirmed``, and on_budget says what it does to the push."""
        for key, one in undecided.items():
            if out_of_time and one.why == Why.LIKELY_REGRESSION:
                shown = one.reason.split(": ", 1)[0]
                self.made[key] = dataclasses.replace(
                    one, state=State.UNCONFIRMED,
                    reason=f"{shown}: worse than the threshold, {unconfirmed} ({why})")
            else:
                self.made[key] = dataclasses.replace(one, state=State.UNRESOLVED,
                                                     why=Why.OUT_OF_ROUNDS,
                                                     reason=f"{one.reason}, but {why}")
            self.at[key] = rounds

    def unconfirmed(self) -> list[tuple[SeriesKey, Decision]]:
        return [(key, one) for key, one in self.made.items() if one.state == State.UNCONFIRMED]

    def unresolved(self) -> list[tuple[SeriesKey, Decision]]:
        return [(key, one) for key, one in self.made.items() if one.state == State.UNRESOLVED]


def family_of(series: Mapping[SeriesKey, Series], correction: str) -> int:
    """How many results share one check's alpha: every result decided by a test (Holm over
    them), or each on its own with correction = "none"."""
    return 1 if correction == "none" else max(decision.family_of(series), 1)


_METHODS = {Method.TRIMMED_T: "paired 20%-trimmed t on per-round log ratios",
            Method.PAIRED_T: "paired t on per-round log ratios",
            Method.SIGNED_RANK: "Wilcoxon signed rank on per-round log ratios",
            Method.RANK_SUM: "Mann–Whitney on log values"}


def how_decided(rule: Rule, family: int, correction: str, made: Sequence[Decision],
                rounds: Sequence[int]) -> str:
    """One line on how a check's verdicts were reached and what came of them: "verdicts:
    paired 20%-trimmed t on per-round log ratios, α = 0.05 spent over looks at rounds 6, 8, …,
    30, Holm over 37 results; 35 settled, 1 blocked, 1 unresolved after 6–14 rounds"."""
    looks = rule.looks
    shown = ", ".join(map(str, looks)) if len(looks) <= 4 else \
        f"{looks[0]}, {looks[1]}, …, {looks[-1]}"
    where = f"looks at rounds {shown}" if len(looks) > 1 else f"one look at round {looks[0]}"
    split = f"Holm over {plural(family, 'result')}" if correction != "none" else \
        "each result on its own (correction = \"none\")"
    line = f"verdicts: {_METHODS[rule.method]}, α = {rule.alpha:g} spent over {where}, {split}"
    if any(one.method == Method.RANK_SUM for one in made):
        line += ("; against a stored baseline Mann–Whitney on log values, settled only within "
                 "the threshold either way")
    counts = {state: sum(1 for one in made if one.state == state)
              for state in (State.SETTLED, State.BLOCK, State.UNRESOLVED)}
    exact = sum(1 for one in made if one.method == Method.EXACT)
    tally = ", ".join(f"{count} {name}" for name, count in (
        ("settled", counts[State.SETTLED]), ("blocked", counts[State.BLOCK]),
        ("unresolved", counts[State.UNRESOLVED])) if count)
    if not tally:
        return line
    after = ""
    if rounds:
        low, high = min(rounds), max(rounds)
        after = f" after {low} round{'' if low == 1 else 's'}" if low == high else \
            f" after {low}–{high} rounds"
    exactly = f" ({exact} exact, without a test)" if exact else ""
    return f"{line}; {tally}{after}{exactly}"

