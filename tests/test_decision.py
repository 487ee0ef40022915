"""The decision rule (benchguard.engine.decision): each (benchmark, metric) blocks, settles or earns
more rounds, as early as its rounds allow, and looking again never inflates false blocks.

No timing here: constructed rounds, seeded simulations and the rounds recorded under
benchmarks/data by benchmarks/record_rounds.py."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path
from typing import Any

import pytest

from benchguard.engine import decision, effects
from benchguard.engine.decision import Boundary, Method, Rule, Spending, State, Why

RULE = Rule()
FAMILY = 13  # the sec/op and B/s comparisons of benchmarks/record_rounds.py's module
DATA = Path(__file__).parent.parent / "benchmarks" / "data"
# a machine's wobble from round to round, the same for base and head of one round
DRIFT = [1.0, 1.03, 0.98, 1.05, 0.99, 1.02, 1.04, 0.97, 1.01, 1.06, 0.995, 1.025]
# what is left after pairing: a run's own noise, about ±1%
JITTER = [1.0, 1.007, 0.994, 1.004, 0.998, 1.009, 0.992, 1.003, 0.996, 1.006, 0.999, 1.002]


def rounds(base_ns: float, head_ns: float, count: int = 6) -> tuple[list[float], list[float]]:
    """``count`` interleaved rounds of a benchmark taking base_ns and head_ns."""
    base = [base_ns * 1e-9 * DRIFT[i % 12] * JITTER[i % 12] for i in range(count)]
    head = [head_ns * 1e-9 * DRIFT[i % 12] * JITTER[(i + 5) % 12] for i in range(count)]
    return base, head


def decide(base: list[float], head: list[float], *, threshold: float = 0.05,
           family: int = FAMILY, **options: Any) -> decision.Decision:
    return decision.decide(base, head, RULE, threshold=threshold, family=family, **options)


# -- the settle rule


def test_an_improvement_is_settled_and_gets_no_extra_round() -> None:
    made = decide(*rounds(100, 80))
    assert made.state == State.SETTLED and made.why == Why.IMPROVEMENT
    assert made.change is not None and made.change == pytest.approx(-0.2, abs=0.02)
    assert decision.next_rounds({"Sum": made}, {}, rounds=6, rule=RULE).more == ()


def test_a_clear_aa_settles_at_the_first_look() -> None:
    made = decide(*rounds(250, 250))
    assert made.state == State.SETTLED
    assert made.high is not None and made.high < 0.05
    assert "cannot be more than the 5% threshold worse" in made.reason or \
        made.why == Why.IMPROVEMENT


def test_a_borderline_regression_earns_more_rounds() -> None:
    made = decide(*rounds(100, 104.5))
    assert made.state == State.UNDECIDED and made.why == Why.POSSIBLE_REGRESSION
    plan = decision.next_rounds({"Sum": made}, {}, rounds=6, rule=RULE)
    assert plan.more == ("Sum",) and plan.rounds == RULE.step


def test_a_3x_regression_blocks_at_the_first_look() -> None:
    made = decide(*rounds(100, 300))
    assert made.state == State.BLOCK and made.blocks and made.why == Why.REGRESSION
    assert made.p is not None and made.level is not None and made.p <= made.level
    assert "more than the 5% threshold worse" in made.reason


def test_a_clear_10_percent_regression_blocks_within_a_few_looks() -> None:
    for look in RULE.looks:
        made = decide(*rounds(100, 110, count=look), rounds=look)
        if made.state != State.UNDECIDED:
            break
    assert made.blocks and look <= 10


def test_a_higher_is_better_metric_regresses_downwards() -> None:
    base, head = rounds(100, 50)  # throughput halved
    made = decide(base, head, higher_is_better=True)
    assert made.blocks and made.change == pytest.approx(-0.5, abs=0.02)
    assert decide(head, base, higher_is_better=True).why == Why.IMPROVEMENT


def test_a_sub_nanosecond_25_percent_below_min_effect_never_blocks() -> None:
    # 0.4 ns -> 0.5 ns: "+25%", a tenth of a nanosecond in any real program
    for look in RULE.looks:
        made = decide(*rounds(0.4, 0.5, count=look), rounds=look, min_effect=2e-9)
        assert made.state == State.SETTLED and made.why == Why.BELOW_MIN_EFFECT
    assert decide(*rounds(0.4, 0.5)).blocks  # without the floor it would
    assert "min_effect" in made.reason


def test_what_no_look_can_settle_is_unresolved_at_the_last_look() -> None:
    # worse by 2% and by 7.5% in turns: 4.75% on average, never clearly within 5%
    base = [1e-7 * DRIFT[i % 12] for i in range(RULE.last)]
    head = [x * math.exp(0.02 if i % 2 else 0.075) for i, x in enumerate(base)]
    made = decide(base, head, rounds=RULE.last)
    assert made.state == State.UNRESOLVED and made.why == Why.OUT_OF_ROUNDS
    assert decision.next_rounds({"Sum": made}, {}, rounds=RULE.last, rule=RULE).more == ()


def test_a_result_too_noisy_for_any_look_is_given_up_early() -> None:
    # a machine so busy that runs swing by a factor of two: even 30 rounds could not tell
    # a 5% change from none
    base = [1e-7 * DRIFT[i] for i in range(6)]
    head = [x * math.exp(d) for x, d in zip(base, [0.6, -0.55, 0.7, -0.62, 0.65, -0.7],
                                             strict=True)]
    made = decide(base, head)
    assert made.state == State.UNRESOLVED and made.why == Why.TOO_NOISY
    assert decision.next_rounds({"Sum": made}, {}, rounds=6, rule=RULE).more == ()


def test_when_everything_got_3x_slower_each_block_lowers_the_bar_for_the_rest() -> None:
    rule = Rule(method=Method.RANK_SUM)
    clear = {f"Bench{i}": decision.Series(*rounds(100, 300), threshold=0.05) for i in range(12)}
    # one head run faster than the slowest base run: Mann–Whitney's p doubles, too weak for 13
    base, head = rounds(100, 300)
    head[0] = max(base) * 0.999
    series = {**clear, "Lucky": decision.Series(base, head, threshold=0.05)}
    family = decision.family_of(series)
    assert family == 13
    alone = decision.decide(base, head, rule, threshold=0.05, family=family, rounds=6)
    assert not alone.blocks
    made = decision.decide_look(series, rule, rounds=6, family=family)
    assert all(one.blocks for one in made.values())
    lucky, clear_level = made["Lucky"].level, made["Bench0"].level
    assert lucky is not None and clear_level is not None and lucky > clear_level


def test_a_side_without_values_is_an_error_not_a_verdict() -> None:
    with pytest.raises(ValueError, match="nothing to decide"):
        decide([], [1.0, 2.0])


# -- exact metrics


def test_one_more_allocation_blocks_at_a_zero_threshold_without_a_test() -> None:
    made = decide([2.0] * 6, [3.0] * 6, threshold=0.0)
    assert made.blocks and made.method == Method.EXACT and made.p is None
    assert decide([2.0] * 6, [2.0] * 6, threshold=0.0).why == Why.NO_CHANGE
    assert decide([3.0] * 6, [2.0] * 6, threshold=0.0).why == Why.IMPROVEMENT


def test_an_exact_unit_is_decided_on_its_medians_even_when_it_varies() -> None:
    made = decide([100.0, 100.0, 101.0], [130.0, 130.0, 131.0], exact=True)
    assert made.blocks and made.method == Method.EXACT
    assert decide([64.0] * 6, [96.0] * 6, min_effect=64).why == Why.BELOW_MIN_EFFECT


# -- a stored baseline


def test_a_stored_baseline_settles_only_what_is_clearly_unchanged() -> None:
    same = decide(*rounds(100, 100.5), stored=True)
    faster = decide(*rounds(100, 80), stored=True)
    slower = decide(*rounds(100, 300), stored=True)
    assert same.state == State.SETTLED and same.method == Method.RANK_SUM
    # drift since the baseline was stored can hide a regression behind an "improvement"
    assert faster.state == State.UNDECIDED
    assert slower.blocks
    plan = decision.next_rounds({}, {"Same": same, "Faster": faster, "Slower": slower}, rounds=0,
                         rule=RULE)
    assert plan.confirm == ("Faster", "Slower") and plan.more == ()


# -- looking again without inflating false blocks


def test_the_levels_of_all_looks_add_up_to_at_most_alpha() -> None:
    for spending in Spending:
        rule = Rule(spending=spending, first=6, step=2, last=30)
        spent = sum(rule.spent(look) for look in rule.looks)
        assert spent == pytest.approx(rule.alpha)
        assert sum(rule.level(look, FAMILY) for look in rule.looks) * FAMILY <= rule.alpha + 1e-12
    assert Rule(first=6, step=4, last=30).looks == (6, 10, 14, 18, 22, 26, 30)
    assert Rule(first=6, step=4, last=12).looks == (6, 10, 12)
    assert Rule(first=10, step=2, last=6).looks == (10,)


def test_group_sequential_levels_let_later_looks_test_at_more_than_they_spend() -> None:
    rule = Rule(boundary=Boundary.GROUP_SEQUENTIAL)
    union = Rule(boundary=Boundary.UNION)
    levels = [rule.level(look, 1) for look in rule.looks]
    assert levels[0] == pytest.approx(union.level(rule.first, 1))
    assert all(level > union.level(look, 1) for level, look in zip(levels[1:], rule.looks[1:],
                                                                      strict=True))
    # a Brownian motion observed at the looks crosses these levels with probability alpha
    normal = statistics.NormalDist()
    bounds = [normal.inv_cdf(1 - level) for level in levels]
    rng = random.Random(4)
    crossed = 0
    for _ in range(20000):
        total, before = 0.0, 0
        for look, bound in zip(rule.looks, bounds, strict=True):
            total += rng.gauss(0, math.sqrt(look - before))
            before = look
            if total / math.sqrt(look) >= bound:
                crossed += 1
                break
    assert crossed / 20000 == pytest.approx(rule.alpha, abs=0.006)


def simulate_aa(rule: Rule, sequences: int, seed: int) -> float:
    """The share of A/A sequences (drifting machine, heavy-ish noise, nothing changed) that
    block at some look, with the threshold gate off (threshold 0%) so only the test guards."""
    rng = random.Random(seed)
    blocked = 0
    for _ in range(sequences):
        level = 0.0
        base: list[float] = []
        head: list[float] = []
        for look in rule.looks:
            while len(base) < look:
                level += rng.gauss(0, 0.03)  # the machine drifts, for both sides alike
                base.append(math.exp(level + rng.gauss(0, 0.02)))
                head.append(math.exp(level + rng.gauss(0, 0.02)))
            made = decision.decide(base, head, rule, threshold=0.0, family=1, rounds=look)
            if made.blocks:
                blocked += 1
                break
            if made.state != State.UNDECIDED:
                break
    return blocked / sequences


@pytest.mark.parametrize("method", [Method.TRIMMED_T, Method.PAIRED_T, Method.RANK_SUM])
def test_looking_again_keeps_false_blocks_within_alpha(method: Method) -> None:
    rule = Rule(method=method, settle_improvements=False, give_up=0)
    assert simulate_aa(rule, 2000, seed=1) <= rule.alpha


def test_peeking_at_full_alpha_at_every_look_would_block_more() -> None:
    # the same simulation, every look at alpha: the inflation the spending prevents
    greedy = Rule(method=Method.PAIRED_T, settle_improvements=False, give_up=0,
                  spending=Spending.LINEAR, alpha=0.05 * len(Rule().looks))
    assert simulate_aa(greedy, 2000, seed=1) > 0.05


# -- the statistics underneath


def test_students_t_matches_the_tables() -> None:
    assert effects.t_quantile(0.975, 5) == pytest.approx(2.5706, abs=1e-4)
    assert effects.t_quantile(0.95, 29) == pytest.approx(1.6991, abs=1e-4)
    assert effects.t_upper_tail(5.8934, 5) == pytest.approx(0.001, rel=1e-3)


def test_rank_statistics_match_their_tables() -> None:
    assert effects.signed_rank_p([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) == 1 / 64
    assert effects.signed_rank_p([1, 1, 1, -1]) == pytest.approx(5 / 16)  # ties at mid-ranks
    # Wilcoxon's one-sided 5% critical value for 6 pairs is 2, Mann–Whitney's for 6 and 6 is 7
    assert effects.signed_rank([1, 2, 3, 4, 5, 6], 0.95).high == 5.0
    shifted = effects.rank_sum([1, 2, 3, 4, 5, 6], [11, 12, 13, 14, 15, 16], 0.95)
    assert shifted.estimate == 10 and shifted.p_worse == pytest.approx(1 / 924)
    assert (shifted.low, shifted.high) == (8, 12)  # the 8th smallest and largest difference


# -- the recorded rounds


Rounds = list[float | None]


def recorded_checks() -> list[tuple[str, dict[str, tuple[Rounds, Rounds]]]]:
    checks = []
    for path in sorted(DATA.glob("rounds-*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for session in document["sessions"]:
            count = len(session["rounds"])
            for side in ("same", "slower10", "slower3x"):
                series = {}
                for name, sides in session["series"].items():
                    pair = [sides["base"], sides[side]]
                    values = [v if isinstance(v, list) else [v] * count for v in pair]
                    series[name] = (values[0], values[1])
                checks.append((side, series))
    return checks


def test_no_recorded_aa_check_blocks_and_every_3x_check_does() -> None:
    checks = recorded_checks()
    assert checks, "benchmarks/data holds recorded rounds"
    for side, series in checks:
        first = {name: (base[:RULE.first], head[:RULE.first])
                 for name, (base, head) in series.items()}
        family = sum(1 for base, head in first.values() if len(set(base + head)) > 1)
        blocked = []
        for name, (base, head) in series.items():
            for look in RULE.looks:
                pairs = [(x, y) for x, y in zip(base[:look], head[:look], strict=True)
                         if x is not None and y is not None]
                made = decision.decide([x for x, _ in pairs], [y for _, y in pairs], RULE,
                                       threshold=0.05, family=family, rounds=look,
                                       higher_is_better=name.endswith("|B/s"))
                if made.state != State.UNDECIDED:
                    break
            if made.blocks:
                blocked.append(name)
        if side == "same":
            assert blocked == []
        if side == "slower3x":
            assert blocked


def test_on_a_quiet_machine_most_aa_results_settle_at_the_first_look() -> None:
    document = json.loads((DATA / "rounds-quiet-1.json").read_text(encoding="utf-8"))
    made = []
    for session in document["sessions"]:
        for name, sides in session["series"].items():
            base, head = sides["base"], sides["same"]
            if not isinstance(base, list) or not isinstance(head, list):
                continue  # exact: B/op and allocs/op
            made.append(decision.decide(base[:6], head[:6], RULE, threshold=0.05,
                                        family=FAMILY, rounds=6,
                                        higher_is_better=name.endswith("|B/s")))
    settled = sum(1 for one in made if one.state == State.SETTLED)
    assert not any(one.blocks for one in made)
    assert settled >= 0.75 * len(made)  # 159 of 195 when recorded
