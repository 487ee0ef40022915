"""A check measured in parts, one CI job each (`benchguard ci --shard K/N`, docs/ci.md
"Shards"): the plan's selections split into N parts of about equal estimated time — the same
split in every job, from what every job sees alike —, each part's own plan within the time
budget, and the family a part decides when to stop measuring with. How the parts are decided as
one check is push.replay's."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard.config import Config
from benchguard.engine import benchmatch
from benchguard.engine.benchfmt import tidy_unit
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import measure, plan
from benchguard.push.budget import Deadline
from benchguard.push.outcome import Prepared
from benchguard.push.plan import Plan, Step
from benchguard.push.runner import RunSpec
from benchguard.push.stored import Stored
from benchguard.store.records import Record
from benchguard.tools import git


@dataclass(frozen=True)
class Shard:
    """The K-th of N parts of a check."""

    number: int  # K, from 1
    count: int  # N

    @classmethod
    def parse(cls, text: str, what: str = "--shard") -> Shard:
        """"2/3" -> Shard(2, 3); a usage error otherwise."""
        number, _, count = text.partition("/")
        if not (number.isascii() and number.isdigit() and count.isascii() and count.isdigit()):
            raise BenchguardError(f"{what} must be K/N (the K-th of N parts, such as 2/3), not "
                                  f"{text[:40]!r}", exit_code=EXIT_USAGE)
        found = cls(int(number), int(count))
        if not 1 <= found.number <= found.count <= MOST_SHARDS:
            raise BenchguardError(f"{what} {text}: K must be from 1 to N, and N at most "
                                  f"{MOST_SHARDS}", exit_code=EXIT_USAGE)
        return found

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


# More jobs than this is more than any matrix needs, and more parts to read than a merge wants.
MOST_SHARDS = 256


def weights(steps: Sequence[Step], history: Iterable[Sequence[Record]], *, count: int,
            benchtime: str, until: str | None, benchmarks: Mapping[RunSpec, int],
            simulated: Collection[RunSpec] = ()) -> dict[RunSpec, float]:
    """What each step should cost side by side, for splitting: the durations the newest
    earlier run of any machine recorded (plan.costs_from; every job runs on a runner of its own,
    and all must split alike), not counting records dated after ``until`` (the jobs fetch the
    notes at different times; what arrived since must not move the split). A step no run
    recorded weighs by its number of ``benchmarks`` (go runs each for about `benchtime`): at
    the median cost of a benchmark of the steps that were recorded, or 1 each when none was."""
    before = [[record for record in records if until is None or record.date <= until]
              for records in history]
    costs = plan.costs_from(before, [step.spec for step in steps], None, benchtime,
                            simulated=simulated)
    known = {spec: cost.seconds(count, 2) for spec, cost in costs.items()}
    each = statistics.median(weight / max(benchmarks.get(spec, 1), 1)
                             for spec, weight in known.items()) if known else 1.0
    return {step.spec: known.get(step.spec, each * max(benchmarks.get(step.spec, 1), 1))
            for step in steps}


def benchmark_counts(repo: Path, commit: str, specs: Sequence[RunSpec]) -> dict[RunSpec, int]:
    """How many top-level benchmarks (`func BenchmarkX(` in the package's _test.go files at
    ``commit``) each of ``specs`` runs, by its pattern: what splits a check no earlier run
    timed. The same in every job: it reads the commit alone."""
    directories = {spec: spec.package.removeprefix("./").removeprefix(".") for spec in specs}
    globs = sorted({f"{directory}/*_test.go" if directory else "*_test.go"
                    for directory in directories.values()})
    names: dict[str, set[str]] = {}
    for path, text in git.matches(repo, commit, r"^func Benchmark[A-Za-z0-9_]*\(", globs):
        directory = path.rpartition("/")[0]
        names.setdefault(directory, set()).add(text.removeprefix("func ").rstrip("("))
    return {spec: sum(1 for name in names.get(directory, ()) if benchmatch.runs(spec.pattern,
                                                                               name))
            for spec, directory in directories.items()}


def split(order: Sequence[RunSpec], weights: Mapping[RunSpec, float], count: int
          ) -> tuple[tuple[RunSpec, ...], ...]:
    """``order`` (the plan's, of relevance) in ``count`` parts of about equal weight: the
    heaviest first, each to the lightest part so far (the first of equals), each part then in
    the plan's order. The same inputs give the same parts."""
    loads = [0.0] * count
    members: list[list[RunSpec]] = [[] for _ in range(count)]
    ranked = sorted(range(len(order)), key=lambda index: (-weights[order[index]], index))
    for index in ranked:
        lightest = min(range(count), key=lambda part: (loads[part], part))
        loads[lightest] += weights[order[index]]
        members[lightest].append(order[index])
    position = {spec: index for index, spec in enumerate(order)}
    return tuple(tuple(sorted(part, key=position.__getitem__)) for part in members)


def digest(data: object) -> str:
    """A stable name for JSON-able ``data`` (a configuration, a split)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_digest(config: Config) -> str:
    """The configuration a check decides with, named: every job of it must use the same. The
    time budget aside: each job's own, it changes what a job measures, not how a result is
    decided."""
    return digest(repr(dataclasses.replace(config, path=None, budget="")))


def family_bound(own: int, share: float, others: int) -> int:
    """The number of results a shard decides when to stop measuring with: the whole check's is
    known only when its parts are merged. A bound above it costs a regression a few more rounds
    in its shard; one below it could stop one sooner than the merged check's looks ask (push.
    replay then decides it on what it has, and says so). So: the larger of twice what this part
    tests scaled to the whole check by its share of the estimated time, and what it tests plus
    the results the stored baselines hold of the other parts."""
    scaled = math.ceil(2 * own / share) if share > 0 else own
    return max(own, scaled, own + others)


@dataclass
class Part:
    """One shard's part of a check, planned."""

    shard: Shard
    prepared: Prepared  # its measurement, its part's plan and its deadline
    whole: Plan  # the whole check's plan (no time limit): what was split
    parts: tuple[tuple[RunSpec, ...], ...]
    share: float  # of the estimated time
    others: int  # results the stored baselines hold of the other parts' selections

    @property
    def specs(self) -> tuple[RunSpec, ...]:
        return self.parts[self.shard.number - 1]

    def family(self, own: int) -> int:
        return family_bound(own, self.share, self.others)


def plan_part(prepared: Prepared, shard: Shard, *, reporter: Reporter,
              stack: contextlib.ExitStack, until: str | None) -> Part:
    """A triaged branch with something to measure, split into ``shard.count`` parts and planned
    for part ``shard.number`` within the time budget (from now): reads the notes, never builds
    or runs a benchmark."""
    config, chosen = prepared.config, prepared.selection
    assert config is not None and chosen is not None and prepared.tree is not None
    assert prepared.range.base is not None
    measurement = measure.Measurement(prepared.repo, prepared.range, config, chosen,
                                      prepared.tree, stack, reporter=reporter)
    whole = measurement.plan()
    history = [records for _, records in measurement.history()]
    specs = [step.spec for step in whole.steps]
    weight = weights(whole.steps, history, count=config.count, benchtime=config.benchtime,
                     until=until, benchmarks=benchmark_counts(prepared.repo,
                                                              prepared.range.head, specs),
                     simulated=measurement.simulated)
    parts = split(specs, weight, shard.count)
    mine = parts[shard.number - 1]
    total = sum(weight.values())
    share = sum(weight[spec] for spec in mine) / total if total else 1.0
    deadline = Deadline.starting(config.budget)
    steps = [step for step in whole.steps if step.spec in mine]
    planned = plan.make(steps, {step.spec: step.cost for step in steps if step.cost},
                        count=config.count, budget=config.budget,
                        available=deadline.remaining())
    others = _stored_results(measurement.stored or Stored(), set(mine), config)
    return Part(shard, dataclasses.replace(prepared, measurement=measurement, plan=planned,
                                           deadline=deadline), whole, parts, share, others)


def _stored_results(stored: Stored, mine: set[RunSpec], config: Config) -> int:
    """How many results (benchmark, metric) the stored baselines hold of the selections not in
    ``mine``, in the metrics that are decided."""
    units = {tidy_unit(metric)[0] for metric in config.metrics}
    return sum(1 for spec, samples in stored.samples.items() if spec not in mine
               for key in samples.samples if not units or key.unit in units)

