"""The final job of a pull request's check measured in parts (`benchguard ci --merge DIR`,
docs/ci.md "Shards"): it gathers the shards' files below DIR, refuses any that belongs to
another run, and decides every part as one check (push.replay: one family, the same looks as a
check that measured it all); then one report, one comment, one step summary, one exit status.
A shard that did not report, or could not run, is said and fails the check.

It runs no code of the pull request: no `go`, only git reading the commits (the base's
configuration, the trailers) and the files the shards wrote, read strictly (ci.shard_file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import gate
from benchguard.ci.check import Delivery, Gated, blocking_count, render
from benchguard.ci.environment import Options, PullRequest
from benchguard.ci.shard_file import Found, ShardBody, ShardStatus, file_name, gather
from benchguard.config import BenchEntry
from benchguard.engine.status import Status
from benchguard.errors import EXIT_BENCH_FAILED, EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import branch, replay
from benchguard.push.measure import spec_of
from benchguard.push.outcome import Outcome, Prepared
from benchguard.push.parts import Shard, config_digest
from benchguard.push.plan import Plan
from benchguard.push.ranges import Range
from benchguard.push.runner import RunSpec
from benchguard.store import overrides
from benchguard.style import plural
from benchguard.tools import git


@dataclass(frozen=True)
class Merged:
    outcome: Outcome
    report_path: Path
    exit_code: int  # the check's; a shard that did not run fails it (3), --no-fail or not


@dataclass(frozen=True)
class Gathered:
    """The shards' files of one check: the one of each shard that ran, and those that did not
    run or report."""

    count: int  # N
    ran: list[Found]
    failed: list[Found]
    missing: list[int]

    @property
    def not_run(self) -> int:
        return len(self.failed) + len(self.missing)


def merge(repo: Path, request: PullRequest, options: Options, directory: Path,
          environ: Mapping[str, str], *, reporter: Reporter) -> Merged:
    """Decide the parts below ``directory`` as one check of ``request`` and deliver its report
    as `benchguard ci` delivers a check's; an error (parts that do not belong together, a base
    that cannot be fetched) is reported too, then raised again."""
    delivery = Delivery(request, options, environ, reporter)
    gated = Gated()
    try:
        decided = gated.open(repo, request, options, environ, reporter)
        gathered = belonging(gather(directory), request, config_digest(decided.config),
                             directory)
        outcome, shards = _outcome(repo, request, decided, gated.invoked, gathered, directory,
                                   reporter)
    except BenchguardError as error:
        gated.failed(delivery, f"merge the shards of {request.name}'s check", error)
        raise
    # a part that did not run is one of the outcome's failures, when there was one to decide
    status = Status.ERROR if gathered.not_run and outcome.report is None else outcome.status
    report = render(request, outcome, decided, gated.invoked) + "\n" + "\n".join(shards) + "\n"
    path = delivery.deliver(status, blocking_count(outcome), report)
    code = outcome.exit_code if options.fail else 0
    return Merged(outcome, path, code or (EXIT_BENCH_FAILED if gathered.not_run else 0))


def belonging(found: Sequence[Found], request: PullRequest, config: str,
              directory: Path) -> Gathered:
    """The files of ``request``'s check, one a shard: any about other commits, another pull
    request, another number of shards, another configuration or another split is refused
    (exit 2: it is another run's, or a forgery), as are two that both ran for one shard."""
    if not found:
        raise BenchguardError(f"{directory}: no shard's result (benchguard-shard-K-of-N.json) "
                              "in it or a folder below it: did the shards' artifacts download "
                              "there?", exit_code=EXIT_USAGE)
    count = found[0].shard.count
    by_number: dict[int, Found] = {}
    for one in found:
        where = f"{one.path}: shard {one.shard}"
        if (one.pull_request, one.base, one.head) != (request.number, request.base,
                                                      request.head):
            raise _refused(f"{where} checked #{one.pull_request} at {one.head[:12]} against "
                           f"{one.base[:12]}, not this run's {request.name} at "
                           f"{request.head[:12]} against {request.base[:12]}")
        if one.shard.count != count:
            raise _refused(f"{where} is one of {one.shard.count}, the others of {count}")
        if one.status != ShardStatus.FAILED and one.config != config:
            raise _refused(f"{where} measured with another configuration than the one "
                           "this check decides with (the base's)")
        earlier = by_number.get(one.shard.number)
        if earlier is not None and earlier.status != ShardStatus.FAILED \
                and one.status != ShardStatus.FAILED:
            raise _refused(f"two results of shard {one.shard}: {earlier.path} and {one.path}; "
                           "keep one")
        if earlier is None or earlier.status == ShardStatus.FAILED:
            by_number[one.shard.number] = one
    ran = [one for one in by_number.values() if one.status != ShardStatus.FAILED]
    if len({one.split for one in ran}) > 1:
        raise _refused("the shards split the check otherwise (" + ", ".join(
            f"{one.shard}: {one.split[7:19]}" for one in ran) + "): they saw other notes or "
            "another selection; run every shard again")
    return Gathered(count, ran, [one for one in by_number.values()
                                 if one.status == ShardStatus.FAILED],
                    [number for number in range(1, count + 1) if number not in by_number])


def _refused(what: str) -> BenchguardError:
    return BenchguardError(f"{what}: not merged", exit_code=EXIT_USAGE)


def _outcome(repo: Path, request: PullRequest, decided: gate.Gate,
             invoked: Sequence[overrides.Override], gathered: Gathered, directory: Path,
             reporter: Reporter) -> tuple[Outcome, list[str]]:
    found = Range(request.name, request.base, request.head, request.kind)
    config = decided.config
    if gathered.ran and all(one.status == ShardStatus.SETTLED for one in gathered.ran):
        first = gathered.ran[0]
        outcome = Outcome(found, first.message, failed=first.exit_code != 0)
        return outcome, _shards_section(gathered, {}, directory)
    if not gathered.ran:
        said = "; ".join(_not_run(gathered, {}, directory))
        raise BenchguardError(f"no shard of the check ran: {said}", exit_code=EXIT_BENCH_FAILED)
    bodies = [ShardBody.read(one, config) for one in gathered.ran]
    body = bodies[0]
    config = dataclasses.replace(config, budget=gathered.ran[0].budget or config.budget)
    parts = {Shard(number, gathered.count): tuple(part)
             for number, part in enumerate(body.parts, start=1)}
    chosen = body.selection
    entries: dict[RunSpec, BenchEntry] = {}
    for selected in chosen.selected:  # of overlapping selections, the first's (Measurement)
        if selected.entry is not None:
            entries.setdefault(spec_of(selected), selected.entry)
    measured = replay.decide(
        config, request.base, request.head, [one.record for one in bodies], body.specs,
        entries, {s.package: s.import_path for s in chosen.selected if s.import_path})
    branch.raise_if_all_failed(chosen, measured)
    order = {spec: number for number, spec in enumerate(body.specs)}
    steps = sorted((step for one in bodies for step in one.steps),
                   key=lambda step: order[step.spec])
    available = [one.available for one in bodies]
    plan = Plan(tuple(steps), config.budget, max((a for a in available if a is not None),
                                                 default=float("inf")))
    allow = [*invoked, *decided.label, *_trailers(repo, request, decided)]
    prepared = Prepared(repo, found, config=config, allow=allow, selection=chosen, plan=plan)
    outcome = branch.conclude(prepared, measured, reporter=reporter,
                              not_run=_not_run(gathered, parts, directory))
    return outcome, _shards_section(gathered, parts, directory)


def _trailers(repo: Path, request: PullRequest, decided: gate.Gate
              ) -> list[overrides.Override]:
    """The Benchguard-Allow trailers of the request's commits, when the base's configuration
    lets them count (ci.gate)."""
    if not decided.trailers:
        return []
    fork = git.merge_base(repo, request.base, request.head) or request.base
    return overrides.from_messages(repo, git.commits_with_messages(repo, fork, request.head))


def _not_run(gathered: Gathered, parts: Mapping[Shard, tuple[RunSpec, ...]],
             directory: Path) -> list[str]:
    """A line for each shard that did not run its part, with what that left unchecked."""
    lines = []
    for number in gathered.missing:
        shard = Shard(number, gathered.count)
        lines.append(f"shard {shard} did not report (no {file_name(shard)} below {directory})"
                     + _left(parts.get(shard)))
    for one in gathered.failed:
        lines.append(f"shard {one.shard} could not run ({one.message})"
                     + _left(parts.get(one.shard)))
    return lines


def _left(specs: tuple[RunSpec, ...] | None) -> str:
    if specs is None:
        return ""
    if not specs:
        return ": its part was empty"
    shown = ", ".join(spec.package for spec in specs[:6]) + (
        f" and {len(specs) - 6} more" if len(specs) > 6 else "")
    return f": {plural(len(specs), 'selection')} not checked ({shown}); run it again, then " \
        "this job"


def _shards_section(gathered: Gathered, parts: Mapping[Shard, tuple[RunSpec, ...]],
                    directory: Path) -> list[str]:
    """**Shards**: how the check was measured, and what did not run (markdown lines)."""
    lines = ["**Shards**", ""]
    for one in gathered.ran:
        specs = parts.get(one.shard, ())
        lines.append(f"- shard {one.shard}: " + (", ".join(f"`{spec.package}`" for spec in
                                                         specs) or "nothing in its part"))
    lines += [f"- **{line}**" for line in _not_run(gathered, parts, directory)]
    if gathered.not_run:
        lines += ["", f"**{plural(gathered.not_run, 'shard')} of {gathered.count} did not run "
                  "its part: the check fails until every shard has reported.**"]
    return lines
