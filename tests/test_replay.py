"""A check measured in parts is decided as one (issue 22): the rounds each shard recorded, replayed
look by look with the whole check's family, give exactly the decisions a check that measured
them all itself reaches. Test binaries are stood in for by numbers drawn from each (side,
package, benchmark, round) alone, so a run gives the same numbers whichever check runs it."""

from __future__ import annotations

import contextlib
import dataclasses
import random
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from benchguard import config as configuration
from benchguard.engine import benchmatch
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.decision import Decision, State
from benchguard.engine.status import Verdict
from benchguard.progress import Collector
from benchguard.push import replay
from benchguard.push.deciding import Decider
from benchguard.push.measure import Measured
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.runs import Runs
from benchguard.push.session import BinaryRun, Session, Side
from benchguard.push.stored import Stored

CONFIG = configuration.parse("""
count = 6
max_count = 20
benchtime = "1x"
threshold = "5%"
budget = "0"
""", filename="benchguard.toml")
SETTINGS = RunSettings.from_config(CONFIG)
BASE, HEAD = "b" * 40, "c" * 40
# name -> (head over base, noise of each run): settled at once, blocked, and undecided for a while
BENCHMARKS = {"BenchmarkSame": (1.0, 0.01), "BenchmarkSlow": (3.0, 0.01),
              "BenchmarkEdge": (1.05, 0.06), "BenchmarkWide": (1.0, 0.08)}
SPECS = [RunSpec(f"./p{number}") for number in range(6)]
STORED_SPEC = RunSpec("./stored")


def value(side: str, spec: RunSpec, name: str, number: int) -> float:
    """A run's sec/op, from nothing but what it is: the same in every check that runs it."""
    rng = random.Random(zlib.crc32(f"{side} {spec.package} {name} {number}".encode()))
    factor, noise = BENCHMARKS[name]
    slow = factor if side == "head" and (name != "BenchmarkSlow" or spec.package == "./p1") \
        else 1.0
    return 1e-7 * slow * (1 + noise * rng.gauss(0, 1))


def samples(side: str, spec: RunSpec, names: Sequence[str], number: int) -> BenchmarkSet:
    found = BenchmarkSet()
    for name in names:
        bench = BenchKey(f"example.com/m/{spec.package[2:]}", name, 1)
        found.samples[SeriesKey(bench, "sec/op")] = [value(side, spec, name, number)]
        found.samples[SeriesKey(bench, "allocs/op")] = [2.0]
    return found


@pytest.fixture(autouse=True)
def synthetic_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    def build(self: Session, side: Side, spec: RunSpec) -> Path:
        return Path("/dev/null")

    def run(self: Session, side: Side, spec: RunSpec, pattern: str, number: int) -> None:
        names = [name for name in BENCHMARKS if benchmatch.runs(pattern, name)]
        self.binaries[side.name, spec].runs.append(
            BinaryRun(number, pattern, 0.01, samples(side.name, spec, names, number)))

    monkeypatch.setattr(Session, "_build", build)
    monkeypatch.setattr(Session, "_run", run)


@contextlib.contextmanager
def measured(tmp_path: Path, specs: Sequence[RunSpec], stored: Stored) -> Iterator[Runs]:
    with contextlib.ExitStack() as stack:
        runs = Runs(tmp_path, BASE, HEAD, tmp_path, stack, SETTINGS, budget="0",
                    reporter=Collector())
        runs.base_tree = tmp_path
        for spec in specs:
            runs.first_rounds(spec, head_only=spec in stored.samples, estimate=None)
        yield runs


def stored_baseline() -> Stored:
    """A stored baseline of ./stored in which BenchmarkSlow is 3× faster than the head (which did
    not change): the stored look leaves it open, and a confirmation side by side settles it."""
    values = BenchmarkSet()
    for number in range(1, 7):
        for key, found in samples("base", STORED_SPEC, ["BenchmarkSame"], number).samples.items():
            values.samples.setdefault(key, []).extend(found)
        slow = samples("base", STORED_SPEC, ["BenchmarkSlow"], number).samples
        for key, found in slow.items():
            values.samples.setdefault(key, []).extend(v / 3 if key.unit == "sec/op" else v
                                                      for v in found)
    return Stored({STORED_SPEC: values}, {STORED_SPEC})


def live(tmp_path: Path, specs: Sequence[RunSpec], stored: Stored, *,
         family: int | None = None) -> tuple[dict[SeriesKey, Decision], replay.PartRecord, Runs]:
    """The decisions of a check that measures ``specs`` itself, and what it ran, recorded."""
    with measured(tmp_path, specs, stored) as runs:
        first = runs.state.copy()
        decider = Decider(CONFIG, runs, stored, specs, {}, reporter=Collector(),
                          family=None if family is None else (lambda own: family))
        decider.decide()
        assert decider.ledger is not None
        record = replay.part_record(runs, first, stored, specs, shard=1, shards=1)
        return dict(decider.ledger.made), record, runs


def decisions(measured_: Measured) -> dict[SeriesKey, Decision]:
    return {c.series: c.decision for c in measured_.report.comparisons
            if c.decision is not None}


def test_a_recorded_check_replayed_decides_exactly_as_it_did(tmp_path: Path) -> None:
    specs = [*SPECS, STORED_SPEC]
    made, record, runs = live(tmp_path, specs, stored_baseline())
    assert runs.extra, "the check should have needed extra rounds"
    assert runs.side_by_side is not None and STORED_SPEC in runs.side_by_side.rounds

    replayed = replay.decide(CONFIG, BASE, HEAD, [record], specs, {}, {})

    assert decisions(replayed) == made
    assert replayed.report.family == sum(1 for key in made if key.unit == "sec/op")
    slow = [c for c in replayed.report.comparisons if c.verdict == Verdict.REGRESSION]
    assert {(c.series.bench.package, c.series.bench.name) for c in slow} == {
        ("example.com/m/p1", "BenchmarkSlow")}
    # the stored baseline said 3× slower; side by side, the confirmation says it is not
    [confirmed] = replayed.confirmations
    assert confirmed.stored.series.bench.name == "BenchmarkSlow"
    assert confirmed.fresh is not None and confirmed.fresh.verdict == Verdict.SAME


def test_parts_measured_apart_and_merged_decide_as_one_check_of_the_same_rounds(
        tmp_path: Path) -> None:
    specs = [*SPECS, STORED_SPEC]
    whole, _, _ = live(tmp_path, specs, stored_baseline())
    parts = []
    for number, part in enumerate((specs[0::3], specs[1::3], specs[2::3]), start=1):
        stored = stored_baseline() if STORED_SPEC in part else Stored()
        # each shard stops measuring with a family above the whole check's (push.parts)
        _, record, _ = live(tmp_path, part, stored, family=60)
        parts.append(dataclasses.replace(record, shard=number, shards=3))

    merged = replay.decide(CONFIG, BASE, HEAD, parts, specs, {}, {})

    assert decisions(merged) == whole
    assert merged.report.family == sum(1 for key in whole if key.unit == "sec/op")


def test_a_result_its_shard_stopped_measuring_sooner_than_the_merged_looks_ask_is_said(
        tmp_path: Path) -> None:
    made, record, runs = live(tmp_path, SPECS, Stored())
    extra = set(runs.extra)
    assert extra
    assert record.side_by_side is not None
    # the shard stopped after its first rounds: the merged looks ask for more of some results
    first_only = dataclasses.replace(record.side_by_side, binaries=tuple(
        dataclasses.replace(binary, runs=tuple(run for run in binary.runs
                                               if run.round <= CONFIG.count))
        for binary in record.side_by_side.binaries))

    merged = replay.decide(CONFIG, BASE, HEAD,
                           [dataclasses.replace(record, shard=1, shards=2,
                                                side_by_side=first_only)], SPECS, {}, {})

    stopped = {c.series: c.decision for c in merged.report.comparisons
               if c.decision is not None
               and "its shard (1/2) measured it in 6 rounds" in c.decision.reason}
    assert stopped
    assert all(one.state in (State.UNRESOLVED, State.UNCONFIRMED) and one.n == CONFIG.count
               for one in stopped.values())
    assert {key.bench.package for key in stopped} <= {f"example.com/m/{spec.package[2:]}"
                                                       for spec in extra}
    assert all(key not in stopped for key, one in made.items() if one.n == CONFIG.count)
