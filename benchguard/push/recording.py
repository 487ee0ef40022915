"""What a range's check keeps in the notes: the base it measured side by side, as a baseline of
the base commit; and the head's samples, as baseline records of the pushed commit, for the check
to keep when it passes (the next push from it then measures its head only). Each record says how
it was measured and how long each selection took, for the planner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from benchguard.engine.benchfmt import merge
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.runs import Runs, without
from benchguard.push.session import Session
from benchguard.store import notes
from benchguard.store.notes import NotesStore, Record
from benchguard.tools import git, go


def store_base(store: NotesStore, runs: Runs, settings: RunSettings, *,
               reporter: Reporter) -> None:
    """The base measured side by side, kept as a baseline of the base commit (the comparison
    stands without it when it cannot be written)."""
    session = runs.side_by_side
    if session is None or runs.base_tree is None:
        return
    record = _record(session, "base", runs.completed(session, cut_too=False), runs.base,
                     runs.base_tree, settings, {}, _left_out(runs))
    if record is None:
        return
    try:
        store.append(runs.base, [record])
    except BenchguardError as error:
        reporter.warn(f"could not store the baseline of {git.short(runs.base)}: "
                      f"{error.message}")


def head_records(runs: Runs, settings: RunSettings,
                 outcomes: Mapping[RunSpec, tuple[int, int]]) -> list[Record]:
    """The head's samples of every selection it fully measured, one record per way it was
    measured. A selection confirmed side by side keeps its head-only run, which has all its
    benchmarks (the confirmation ran only those the stored baseline left open). ``outcomes``:
    per selection, what a stored baseline settled and left open (plan.Trust learns from it)."""
    alone = runs.completed(runs.alone, cut_too=False)
    records = []
    if runs.alone is not None:
        records.append(_record(runs.alone, "head", alone, runs.head, runs.tree, settings,
                               outcomes, _left_out(runs)))
    if runs.side_by_side is not None:
        side_by_side = [spec for spec in runs.completed(runs.side_by_side, cut_too=False)
                        if spec not in alone]
        records.append(_record(runs.side_by_side, "head", side_by_side, runs.head, runs.tree,
                               settings, outcomes, _left_out(runs)))
    return [record for record in records if record is not None]


def _record(session: Session, side: str, specs: Sequence[RunSpec], commit: str, tree: Path,
            settings: RunSettings, outcomes: Mapping[RunSpec, tuple[int, int]],
            left_out: Mapping[RunSpec, set[str]]) -> Record | None:
    """A baseline record of what ``side`` of ``session`` measured for ``specs``."""
    samples = merge([without(session.benchmarks(side, [spec]), left_out.get(spec, set()))
                     for spec in specs], first_wins=True)
    if not samples.samples:
        return None
    recorded = settings.record(specs)
    recorded.update({"interleaved": len(session.sides) > 1,
                     "rounds": max(session.rounds[spec] for spec in specs)})
    durations = []
    for spec in specs:
        timing = session.timing(side, spec)
        if timing is not None:
            spent = session.spent(side, spec)
            settled, open_ = outcomes.get(spec, (0, 0)) if side == "head" else (0, 0)
            durations.append(notes.Timing(spec.package, spec.pattern, spec.tags, *timing,
                                          rounds=spent.rounds, extra=spent.extra,
                                          settled=settled, open=open_))
    return notes.baseline_record(commit, go.fingerprint(tree), recorded, samples,
                                 load=session.load, durations=durations)


def _left_out(runs: Runs) -> dict[RunSpec, set[str]]:
    return {spec: set(names) for spec, (names, _) in runs.left_out.items()}
