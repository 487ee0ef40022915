"""One job of a pull request's check measured in parts (`benchguard ci --shard K/N --output DIR`,
docs/ci.md "Shards"): the same triage and plan as the whole check — from what every job sees
alike: the commits, the base's configuration, the notes as they were when the request was
updated —, split into N parts of about equal estimated time; this job measures part K and writes
what the merge job needs to decide it with the others (ci.shard_file). It decides nothing for
the pull request, posts nothing, and its exit status says only whether it ran."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import checkout, gate, shard_file, shard_json
from benchguard.ci.check import fetch_notes
from benchguard.ci.environment import Options, PullRequest
from benchguard.ci.shard_file import ShardStatus
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push import changes, parts, ranges, replay
from benchguard.push.budget import seconds_text
from benchguard.push.measure import Measured
from benchguard.push.outcome import Prepared
from benchguard.push.parts import Part, Shard
from benchguard.push.stored import Stored
from benchguard.style import plural


@dataclass(frozen=True)
class Ran:
    """What one shard did: where its file is, and a line for the log."""

    path: Path
    summary: str


def run(repo: Path, request: PullRequest, options: Options, shard: Shard, output: Path, *,
        reporter: Reporter) -> Ran:
    """Measure part ``shard`` of ``request``'s check and write it into ``output``. A shard that
    cannot run writes why (the merge says it), then raises its error again."""
    written = shard_file.Digests()
    try:
        checkout.ensure_commits(repo, options.remote, request.base, request.head,
                                reporter=reporter)
        decided = gate.decide(repo, request, options.config_path)
        fetch_notes(repo, decided.config.notes_ref, options, reporter)
        written.config = parts.config_digest(decided.config)
        with contextlib.ExitStack() as stack:
            found = ranges.Range(request.name, request.base, request.head, request.kind)
            triaged = changes.triage(repo, found, [], config_path=options.config_path,
                                     verbose=options.verbose, reporter=reporter, stack=stack,
                                     budget=options.budget, config=decided.config,
                                     trailers=False, instrument=options.instrument,
                                     until=request.as_of)
            if triaged.outcome is not None:
                path = shard_file.write(output, shard, request, written,
                                        status=ShardStatus.SETTLED, message=triaged.outcome.message,
                                        exit_code=1 if triaged.outcome.failed else 0)
                return Ran(path, f"shard {shard}: {triaged.outcome.message}")
            return _measure(triaged, request, shard, output, written, reporter=reporter,
                            stack=stack)
    except BenchguardError as error:
        with contextlib.suppress(OSError):
            shard_file.write(output, shard, request, written, status=ShardStatus.FAILED,
                             message=error.message, exit_code=error.exit_code)
        raise


def _measure(triaged: Prepared, request: PullRequest, shard: Shard, output: Path,
             written: shard_file.Digests, *, reporter: Reporter,
             stack: contextlib.ExitStack) -> Ran:
    part = parts.plan_part(triaged, shard, reporter=reporter, stack=stack,
                           until=request.as_of)
    prepared = part.prepared
    config, measurement = prepared.config, prepared.measurement
    assert config is not None and measurement is not None and prepared.plan is not None
    assert prepared.selection is not None
    specs = [step.spec for step in part.whole.steps]
    selection = shard_json.selection_json(prepared.selection, config)
    index = {spec: number for number, spec in enumerate(specs)}
    written.split = parts.digest({"selection": selection,
                                     "specs": shard_json.specs_json(specs),
                                     "parts": [[index[spec] for spec in one]
                                               for one in part.parts]})
    reporter.progress(f"shard {shard}: {plural(len(part.specs), 'selection')} of "
                      f"{len(specs)} (~{part.share:.0%} of the estimated time): "
                      + (", ".join(spec.package for spec in part.specs) or "none"))
    measured = measurement.run(prepared.deadline, prepared.plan, family=part.family)
    timed = {derived: of for derived, of in measurement.timed.items() if of in part.specs}
    record = replay.part_record(measurement.runs, measurement.after_first,
                                measurement.stored or Stored(), [*part.specs, *timed],
                                shard=shard.number, shards=shard.count,
                                simulated=measurement.simulating, timed=timed)
    available = prepared.plan.available
    body = shard_file.body_json(specs, part.parts, selection, prepared.plan.steps,
                                None if available == float("inf") else available,
                                _family(part, measured), record)
    path = shard_file.write(output, shard, request, written, status=ShardStatus.MEASURED,
                            budget=config.budget, body=body)
    spent = sum(used.build + used.run for rounds in measured.rounds.values()
                for used in rounds.seconds.values())
    return Ran(path, f"shard {shard} of {request.name}: measured "
                     f"{plural(len(measured.rounds), 'selection')} of its "
                     f"{len(part.specs)} (~{seconds_text(spent)} of go); written to {path}: "
                     "the merge job decides")


def _family(part: Part, measured: Measured) -> int:
    """The family this shard stopped measuring with (push.parts.family_bound)."""
    return measured.report.family if measured.rule is not None else part.family(0)

