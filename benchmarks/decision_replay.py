"""Replay recorded interleaved rounds through the present decision rule and the sequential one.

    python benchmarks/decision_replay.py [benchmarks/data/rounds-*.json ...] [--variants]

Reads what benchmarks/record_rounds.py recorded (every session: one base and three heads — A/A,
~10% and 3× slower — measured round by round) and decides every check as

(a) the present rule: benchstat's Mann–Whitney with Holm–Bonferroni over the check
    (verdict.compare), starting at 6 rounds and adding a round while inconclusive() (below: what
    check used before issue #13) says more data could change a verdict, up to 30 rounds within a
    3-minute budget;
(b) benchguard.engine.decision: the sequential rule (looks at 6, 6 + step, … 30 rounds, alpha spent
    over the looks, split over the family), with the paired t, the signed-rank and the unpaired
    rank-sum analysis of the same rounds.

Prints for each: false blocks in the A/A checks, the share of 10% and 3× checks (and slowed
comparisons) blocked, rounds to a decision and what the check cost in multiples of the raw
`go test -count 6` of the head alone (median and 90th percentile). With --variants, also the
spending function, the step between looks and the settle confidence one at a time. No timing
of its own: everything comes from the recorded rounds and their recorded wall times.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchguard.engine import decision, effects
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.decision import Boundary, Method, Rule, Spending, State
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison, compare

DATA = Path(__file__).parent / "data"
KINDS = {"same": "A/A", "slower10": "10%", "slower3x": "3×"}
THRESHOLD = 0.05
ALPHA = 0.05
COUNT = 6
MAX_COUNT = 30
BUDGET_SECONDS = 180.0
SLOWED_UNITS = ("sec/op", "B/s")
# a comparison of a slowed head counts as a slowdown to catch when its change, pooled over every
# recorded round, is at least this (Parse/fields=8 spends most of its time allocating, so doing
# 11 units of work instead of 10 makes it only ~4% slower: below the threshold, not a target)
SLOWED_AT_LEAST = {"10%": 0.07, "3×": 0.5}


# -- the rule before issue #13 (benchguard 0.2's measure.py), kept here to replay it


def inconclusive(comparison: Comparison, alpha: float) -> str | None:
    """Why more rounds could change this verdict, or None: a regression that is only just one
    (its p, adjusted where the verdict used the adjusted one, above alpha/5, or the change below
    1.25 × the threshold), a worsening of ¾ of the threshold or more that is not (yet) one, or
    medians too imprecise to see a threshold-sized change. Exact metrics and improvements never
    need more rounds."""
    if comparison.exact or comparison.p is None or comparison.delta is None:
        return None
    worse = -comparison.delta if comparison.higher_is_better else comparison.delta
    p = comparison.p if comparison.p_adjusted is None else comparison.p_adjusted
    threshold = comparison.threshold
    if comparison.verdict == Verdict.REGRESSION:
        if p > alpha / 5:
            return f"a regression, but {_judged_p(comparison)} is above alpha/5 = {alpha / 5:g}"
        if worse < threshold * 1.25:
            return (f"a regression, but worse by only {worse:.1%}, just over the "
                    f"{threshold:.0%} threshold")
        return None
    if comparison.verdict in (Verdict.SAME, Verdict.INSUFFICIENT):
        if worse >= threshold * 0.75:
            if comparison.verdict == Verdict.INSUFFICIENT:
                return f"worse by {worse:.1%}, but too few runs yet to test it"
            if p <= alpha:
                return f"worse by {worse:.1%}, just under the {threshold:.0%} threshold"
            return (f"worse by {worse:.1%} (threshold {threshold:.0%}), but "
                    f"{_judged_p(comparison)} is above alpha {alpha:g}")
        width = _imprecision(comparison)
        if width > threshold:
            shown = "unbounded" if width == math.inf else f"±{width:.0%}"
            return f"medians known only to {shown}, wider than the {threshold:.0%} threshold"
    return None


def _judged_p(comparison: Comparison) -> str:
    """The p the verdict was judged by, named: "Holm-adjusted p=0.019" or "p=0.030"."""
    if comparison.p_adjusted is not None and comparison.p_adjusted != comparison.p:
        return f"Holm-adjusted p={comparison.p_adjusted:.3f}"
    assert comparison.p is not None
    return f"p={comparison.p:.3f}"


def _unclear(comparison: Comparison) -> bool:
    """Not clearly "no change": moved by half the threshold or more either way, or too
    imprecise to tell. Exact metrics are always clear."""
    if comparison.exact or comparison.delta is None:
        return False
    return (abs(comparison.delta) >= comparison.threshold / 2
            or _imprecision(comparison) > comparison.threshold)


def _imprecision(comparison: Comparison) -> float:
    """The wider relative half-width of the two medians' confidence intervals (inf when
    unbounded): a median known only to ±8% cannot show a 5% change yet."""
    widest = 0.0
    for summary in (comparison.base, comparison.head):
        if summary is None or summary.center == 0:
            continue
        if not (math.isfinite(summary.low) and math.isfinite(summary.high)):
            return math.inf
        width = max(summary.high / summary.center - 1, 1 - summary.low / summary.center)
        widest = max(widest, abs(width))
    return widest


@dataclass(frozen=True)
class Check:
    kind: str  # "A/A", "10%", "3×"
    session: str  # file:number
    series: dict[str, tuple[list[float | None], list[float | None]]]  # "name|unit" -> base, head
    higher: frozenset[str]  # units where higher is better
    builds: float  # seconds to build both test binaries
    walls: list[float]  # per round: seconds the base and head runs took together
    raw: float  # seconds of `go test -count 6` of the head alone
    load: float  # median 1-minute load average over the session's rounds


@dataclass(frozen=True)
class Outcome:
    blocked: frozenset[str]  # series that block
    rounds: dict[str, int]  # series -> rounds it was decided at (or ran to)
    check_rounds: int  # rounds the check ran (every benchmark in the package)
    cost: float  # seconds, with extra rounds running every benchmark
    narrowed_cost: float  # seconds, with extra rounds running only undecided benchmarks


def load(paths: Iterable[Path]) -> list[Check]:
    checks = []
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        higher = frozenset(document.get("higher_is_better", []))
        for number, session in enumerate(document["sessions"], start=1):
            count = len(session["rounds"])
            for side, kind in KINDS.items():
                series = {name: (_expand(sides["base"], count), _expand(sides[side], count))
                          for name, sides in session["series"].items()}
                walls = [r["seconds"]["base"] + r["seconds"][side] for r in session["rounds"]]
                builds = session["build_seconds"]["base"] + session["build_seconds"][side]
                loads = [r["load"] for r in session["rounds"] if r.get("load") is not None]
                checks.append(Check(kind, f"{path.name}:{number}", series, higher, builds,
                                    walls, session["raw_head_seconds"],
                                    statistics.median(loads) if loads else math.nan))
    return checks


def simulate(sessions: int, drift: float, noise: float, outliers: float, seed: int
             ) -> list[Check]:
    """Checks shaped like the recorded ones from a noise model instead of a machine: per round
    a drift of the machine that both sides share (a random walk, sd ``drift`` per round on the
    log scale), per run lognormal noise (sd ``noise``) and, with probability ``outliers``, an
    interruption that makes the run 1 + Exp(0.3) times slower."""
    rng = random.Random(seed)
    effects_by_side = {"same": 1.0, "slower10": 1.1, "slower3x": 3.0}
    names = [f"BenchmarkSim/{i}-2|sec/op" for i in range(13)]
    checks = []
    for number in range(1, sessions + 1):
        level = 0.0
        runs: dict[str, dict[str, list[float | None]]] = {n: {} for n in names}
        for _ in range(MAX_COUNT):
            level += rng.gauss(0, drift)
            for name in names:
                for side, factor in {"base": 1.0, **effects_by_side}.items():
                    value = 1e-7 * factor * math.exp(level + rng.gauss(0, noise))
                    if rng.random() < outliers:
                        value *= 1 + rng.expovariate(1 / 0.3)
                    runs[name].setdefault(side, []).append(value)
        for side, kind in KINDS.items():
            series = {name: (runs[name]["base"], runs[name][side]) for name in names}
            checks.append(Check(kind, f"simulated:{number}", series, frozenset(), 0.5,
                                [2.0] * MAX_COUNT, 6.5, math.nan))
    return checks


def _expand(values: Any, count: int) -> list[float | None]:
    return list(values) if isinstance(values, list) else [float(values)] * count


def _unit(name: str) -> str:
    return name.rpartition("|")[2]


def _bench(name: str) -> str:
    return name.rpartition("|")[0]


def _present_values(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


# -- (a) the present rule


def present(check: Check) -> Outcome:
    rounds = COUNT
    elapsed = check.builds + sum(check.walls[:rounds])
    narrowed = elapsed
    benches = {_bench(name) for name in check.series}
    while True:
        report = compare(*_sets(check, rounds), alpha=ALPHA, threshold=THRESHOLD,
                         correction="holm")
        pending = {c.series.bench.name for c in report.comparisons if inconclusive(c, ALPHA)}
        if (not pending or rounds >= min(MAX_COUNT, len(check.walls))
                or elapsed + check.walls[rounds] > BUDGET_SECONDS):
            break
        elapsed += check.walls[rounds]
        # were the extra round to run only the benchmarks with an inconclusive result
        narrowed += check.walls[rounds] * len(pending) / len(benches)
        rounds += 1
    blocked = frozenset(c.series.bench.name + "|" + c.series.unit for c in report.comparisons
                        if c.verdict == Verdict.REGRESSION)
    return Outcome(blocked, dict.fromkeys(check.series, rounds), rounds, elapsed, narrowed)


def _sets(check: Check, rounds: int) -> tuple[BenchmarkSet, BenchmarkSet]:
    base, head = BenchmarkSet(), BenchmarkSet()
    for name, (base_values, head_values) in check.series.items():
        key = SeriesKey(BenchKey("example.com/rounds/work", _bench(name)), _unit(name))
        for into, values in ((base, base_values), (head, head_values)):
            into.samples[key] = _present_values(values[:rounds])
    for unit in check.higher:
        base.higher_is_better[unit] = head.higher_is_better[unit] = True
    return base, head


# -- (b) the sequential rule


def sequential(check: Check, rule: Rule) -> Outcome:
    looks = [look for look in rule.looks if look <= len(check.walls)]
    first = looks[0]
    family = sum(1 for base, head in check.series.values()
                 if not _constant(base[:first], head[:first]))
    decided_at: dict[str, int] = {}
    blocked: set[str] = set()
    for look in looks:
        open_series = {}
        for name, (base_values, head_values) in check.series.items():
            if name in decided_at:
                continue
            pairs = [(x, y) for x, y in zip(base_values[:look], head_values[:look], strict=True)
                     if x is not None and y is not None]
            open_series[name] = decision.Series([x for x, _ in pairs], [y for _, y in pairs],
                                                THRESHOLD, _unit(name) in check.higher)
        made = decision.decide_look(open_series, rule, rounds=look,
                                    family=family - len(blocked))
        for name, one in made.items():
            if one.state != State.UNDECIDED or look == looks[-1]:
                decided_at[name] = look
                if one.blocks:
                    blocked.add(name)
    check_rounds = max(decided_at.values())
    cost = check.builds + sum(check.walls[:check_rounds])
    # only the benchmarks with an undecided metric run in an extra round
    by_bench: dict[str, int] = {}
    for name, rounds in decided_at.items():
        by_bench[_bench(name)] = max(by_bench.get(_bench(name), 0), rounds)
    narrowed = check.builds + sum(check.walls[:first]) + sum(
        check.walls[i] * sum(1 for r in by_bench.values() if r > i) / len(by_bench)
        for i in range(first, check_rounds))
    return Outcome(frozenset(blocked), decided_at, check_rounds, cost, narrowed)


def _constant(base: Sequence[float | None], head: Sequence[float | None]) -> bool:
    return len(set(base)) == 1 and len(set(head)) == 1 and None not in (*base, *head)


# -- what came out


@dataclass(frozen=True)
class Score:
    label: str
    false_blocks: str
    slow10_checks: str
    slow10_series: str
    slow3x_checks: str
    slow3x_series: str
    rounds: str
    cost: str
    narrowed: str
    aa_narrowed: str


def score(label: str, checks: list[Check], outcomes: list[Outcome]) -> Score:
    by_kind: dict[str, list[tuple[Check, Outcome]]] = {}
    for check, outcome in zip(checks, outcomes, strict=True):
        by_kind.setdefault(check.kind, []).append((check, outcome))

    def blocked_checks(kind: str) -> str:
        pairs = by_kind.get(kind, [])
        return f"{sum(1 for _, o in pairs if o.blocked)}/{len(pairs)}"

    def blocked_series(kind: str) -> str:
        pairs = by_kind.get(kind, [])
        targets = slowed(kind, [c for c, _ in pairs])
        slowed_pairs = [(o, name) for c, o in pairs for name in c.series if name in targets]
        hit = sum(1 for o, name in slowed_pairs if name in o.blocked)
        return f"{100 * hit / max(len(slowed_pairs), 1):.1f}%"

    rounds = [o.check_rounds for o in outcomes]
    cost = [o.cost / c.raw for c, o in zip(checks, outcomes, strict=True)]
    narrowed = [o.narrowed_cost / c.raw for c, o in zip(checks, outcomes, strict=True)]
    aa = [o.narrowed_cost / c.raw for c, o in by_kind.get("A/A", [])] or [math.nan]
    return Score(label, blocked_checks("A/A"), blocked_checks("10%"), blocked_series("10%"),
                 blocked_checks("3×"), blocked_series("3×"),
                 f"{_quantile(rounds, 0.5):g} / {_quantile(rounds, 0.9):g}",
                 f"{_quantile(cost, 0.5):.2f} / {_quantile(cost, 0.9):.2f}",
                 f"{_quantile(narrowed, 0.5):.2f} / {_quantile(narrowed, 0.9):.2f}",
                 f"{_quantile(aa, 0.5):.2f} / {_quantile(aa, 0.9):.2f}")


def slowed(kind: str, checks: Sequence[Check]) -> set[str]:
    """The comparisons whose pooled change over every round of these checks makes them a
    slowdown to catch (SLOWED_AT_LEAST)."""
    if kind not in SLOWED_AT_LEAST or not checks:
        return set()
    targets = set()
    for name in checks[0].series:
        if _unit(name) not in SLOWED_UNITS:
            continue
        ratios = [math.log(y / x) for c in checks
                  for x, y in zip(*c.series[name], strict=True) if x and y]
        worse = -statistics.median(ratios) if _unit(name) in checks[0].higher else \
            statistics.median(ratios)
        if math.expm1(worse) >= SLOWED_AT_LEAST[kind]:
            targets.add(name)
    return targets


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def print_scores(scores: list[Score]) -> None:
    header = ("rule", "A/A false blocks", "10% checks", "10% series", "3× checks",
              "3× series", "rounds med/p90", "cost×raw med/p90", "narrowed med/p90",
              "A/A narrowed")
    rows = [header, *[tuple(dataclasses.astuple(s)) for s in scores]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


LOAD_BANDS = ((0.0, 2.5), (2.5, 5.0), (5.0, 8.0), (8.0, math.inf))


def by_load(checks: list[Check], rule: Rule) -> None:
    """The present rule and ``rule`` on the sessions of each band of load average."""
    for low, high in LOAD_BANDS:
        mine = [c for c in checks if low <= c.load < high]
        if not mine:
            continue
        print(f"\nsessions with a median load average in [{low:g}, {high:g}) on "
              f"{len({c.session for c in mine})} sessions:")
        print_scores([score("present", mine, [present(c) for c in mine]),
                      score(f"{rule.method}, margin {rule.margin:g}", mine,
                            [sequential(c, rule) for c in mine])])


def calibration(checks: list[Check]) -> None:
    """Under A/A nothing changed: a valid one-sided p is at most x in at most x of the cases."""
    same = [c for c in checks if c.kind == "A/A"]
    print("\nA/A calibration at 6 rounds (share of noisy comparisons with one-sided p ≤ x):")
    for label, analysis in (("paired t", "t"), ("trimmed t", "r"), ("signed rank", "w"),
                            ("rank sum", "u")):
        ps = []
        for check in same:
            for base, head in check.series.values():
                if _constant(base[:COUNT], head[:COUNT]):
                    continue
                pairs = [(x, y) for x, y in zip(base[:COUNT], head[:COUNT], strict=True)
                         if x is not None and y is not None]
                worse = [math.log(y / x) for x, y in pairs]
                if analysis == "t":
                    ps.append(effects.paired_t(worse, 0.9).p_worse)
                elif analysis == "r":
                    ps.append(effects.trimmed_t(worse, 0.9).p_worse)
                elif analysis == "w":
                    ps.append(effects.signed_rank(worse, 0.9).p_worse)
                else:
                    ps.append(effects.rank_sum([math.log(x) for x, _ in pairs],
                                               [math.log(y) for _, y in pairs], 0.9).p_worse)
        shares = ", ".join(f"≤{x:g}: {sum(p <= x for p in ps) / len(ps):.3f}"
                           for x in (0.1, 0.05, 0.01, 0.001))
        print(f"  {label:12s} n={len(ps)}  {shares}")


def noise(checks: list[Check]) -> None:
    """Per benchmark: the spread of per-round log ratios (paired) against that of the base's
    own log values (what an unpaired test sees), and the true effect of the slowed heads."""
    print("\nper benchmark (sec/op), medians over sessions: spread (1.4826 × MAD) of the A/A "
          "per-round log ratio (paired) vs of the log base values × √2 (unpaired); change of "
          "the 10% and 3× heads")
    for name in [n for n in checks[0].series if _unit(n) == "sec/op"]:
        paired: list[float] = []
        unpaired: list[float] = []
        slow10: list[float] = []
        slow3x: list[float] = []
        for check in checks:
            base, head = check.series[name]
            pairs = [(x, y) for x, y in zip(base, head, strict=True) if x and y]
            ratios = [math.log(y / x) for x, y in pairs]
            if check.kind == "A/A":
                paired.append(_spread(ratios))
                unpaired.append(_spread([math.log(x) for x, _ in pairs]) * math.sqrt(2))
            else:
                (slow10 if check.kind == "10%" else slow3x).append(
                    math.expm1(statistics.median(ratios)))
        print(f"  {_bench(name):32s} paired {statistics.median(paired) * 100:5.2f}%  "
              f"unpaired {statistics.median(unpaired) * 100:5.2f}%  "
              f"10%: {statistics.median(slow10) * 100:+5.1f}%  "
              f"3×: {statistics.median(slow3x) * 100:+6.1f}%")


def _spread(values: Sequence[float]) -> float:
    centre = statistics.median(values)
    return 1.4826 * statistics.median([abs(value - centre) for value in values])


def stored_baseline(checks: list[Check], rule: Rule) -> None:
    """A baseline stored by an earlier session against the head's first 6 rounds of a later
    one: how many comparisons does the stored baseline settle alone (no side-by-side
    confirmation), and how many slowed ones does it so let through?"""
    print("\nagainst a stored baseline (the previous session's base, 6 rounds a side): "
          "noisy comparisons settled without confirmation; slowed ones among them")
    by_kind: dict[str, list[Check]] = {}
    for check in checks:
        by_kind.setdefault(check.kind, []).append(check)
    for kind, mine in by_kind.items():
        targets = slowed(kind, mine)
        settled = {"present": 0, "sequential": 0}
        missed = {"present": 0, "sequential": 0}
        noisy = 0
        for earlier, later in itertools.pairwise(mine):
            stored = Check(kind, later.session, {
                name: (earlier.series[name][0][:COUNT], later.series[name][1][:COUNT])
                for name in later.series}, later.higher, 0.0, later.walls, later.raw, later.load)
            report = compare(*_sets(stored, COUNT), alpha=ALPHA, threshold=THRESHOLD,
                             correction="holm")
            unsure = {c.series.bench.name + "|" + c.series.unit for c in report.comparisons
                      if c.verdict == Verdict.REGRESSION or _unclear(c)}
            family = sum(1 for b, h in stored.series.values() if not _constant(b, h))
            for name, (base, head) in stored.series.items():
                if _constant(base, head):
                    continue
                noisy += 1
                made = decision.decide(_present_values(base), _present_values(head), rule,
                                       threshold=THRESHOLD, family=family, stored=True,
                                       higher_is_better=_unit(name) in stored.higher)
                for label, alone in (("present", name not in unsure),
                                     ("sequential", made.state == State.SETTLED)):
                    settled[label] += alone
                    missed[label] += alone and name in targets
        let_through = (f"; slowed let through: present {missed['present']}, sequential "
                       f"{missed['sequential']}") if targets else ""
        print(f"  {kind:4s} of {noisy}: present {settled['present']}, sequential "
              f"{settled['sequential']}{let_through}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--load", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="only sessions whose median load average is in [LOW, HIGH)")
    parser.add_argument("--simulate", type=float, nargs=3, metavar=("DRIFT", "NOISE", "OUTLIERS"),
                        help="replay 50 simulated sessions instead (see simulate())")
    parser.add_argument("--variants", action="store_true",
                        help="also vary spending, step and settle confidence one at a time")
    args = parser.parse_args()
    paths = args.files or sorted(DATA.glob("rounds-*.json"))
    if args.simulate:
        drift, spread, outliers = args.simulate
        checks = simulate(50, drift, spread, outliers, seed=1)
    else:
        checks = load(paths)
    if args.load:
        checks = [c for c in checks if args.load[0] <= c.load < args.load[1]]
    one_minute = [c.load for c in checks]
    source = "a noise model" if args.simulate else f"{len(paths)} files"
    print(f"{len(checks)} checks from {source} "
          f"({', '.join(f'{k}: {sum(c.kind == k for c in checks)}' for k in KINDS.values())}), "
          f"{len(checks[0].series)} comparisons each; median load average of a session "
          f"{min(one_minute):.2f}–{max(one_minute):.2f}\n")
    chosen = Rule()
    rules: list[tuple[str, Rule | None]] = [("present: MW + Holm, extra rounds", None)]
    rules += [(f"{method}, margin {margin:g}", dataclasses.replace(chosen, method=method,
                                                                  margin=margin))
              for method in (Method.TRIMMED_T, Method.PAIRED_T, Method.SIGNED_RANK,
                             Method.RANK_SUM) for margin in (0.0, chosen.margin)]
    if args.variants:
        rules += [(f"{chosen.method} m{chosen.margin:g}, {spending} spending",
                   dataclasses.replace(chosen, spending=spending))
                  for spending in Spending if spending != chosen.spending]
        rules += [(f"{chosen.method} m{chosen.margin:g}, {boundary} levels",
                   dataclasses.replace(chosen, boundary=boundary))
                  for boundary in Boundary if boundary != chosen.boundary]
        rules += [(f"{chosen.method} m{chosen.margin:g}, a look every {step}",
                   dataclasses.replace(chosen, step=step)) for step in (1, 4)]
        rules += [(f"{chosen.method} m{chosen.margin:g}, settle at {confidence:.0%}",
                   dataclasses.replace(chosen, settle_confidence=confidence))
                  for confidence in (0.8, 0.95)]
        rules += [(f"{chosen.method} m{chosen.margin:g}, give up at {factor:g}×",
                   dataclasses.replace(chosen, give_up=factor)) for factor in (0.0, 1.0, 3.0)]
        rules += [(f"{chosen.method} m{chosen.margin:g}, margin {margin:g}",
                   dataclasses.replace(chosen, margin=margin)) for margin in (0.5, 1.0)]
        rules += [(f"{chosen.method} m{chosen.margin:g}, improvements not settled",
                   dataclasses.replace(chosen, settle_improvements=False))]
    scores = []
    for label, rule in rules:
        outcomes = [present(c) if rule is None else sequential(c, rule) for c in checks]
        scores.append(score(label, checks, outcomes))
    print_scores(scores)
    by_load(checks, chosen)
    calibration(checks)
    stored_baseline(checks, chosen)
    noise(checks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
