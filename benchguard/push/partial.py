"""Measuring a selection in part (docs/check.md, "The time budget"): when its `count` rounds do
not fit what the budget leaves, as many of its benchmarks as fit are measured, in the order go
runs them, and the rest is left out — named benchmark by benchmark. Its benchmarks' names come
from one iteration of each (`-test.benchtime=1x`), which costs their setup, not their
`benchtime`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from benchguard.engine.benchfmt import parse
from benchguard.engine.durations import parse_duration
from benchguard.errors import BenchguardError
from benchguard.push import runner
from benchguard.push.budget import Spent, seconds_text
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.session import Session
from benchguard.style import plural
from benchguard.tools import go

if TYPE_CHECKING:
    from benchguard.push.runs import Runs

# The share of what the budget leaves that a selection measured in part plans to use: runs take
# longer than the last ones on a busy machine, and a run the deadline stops is lost whole.
SLACK = 0.8


def probe(session: Session, spec: RunSpec) -> list[str]:
    """``spec``'s benchmarks in the order go runs them, sub-benchmarks included: the head's
    binary runs each once. Built first when it is not yet; remembered in Session.leaves."""
    if spec in session.leaves:
        return session.leaves[spec]
    session.add([spec])
    side = session.sides[-1]  # the head
    binary = session.binaries[side.name, spec].path
    if binary is None:
        return []
    session.reporter.progress(f"[{side.label}] {spec.package}: listing its benchmarks (one "
                              "iteration each)…")
    args = ["-test.run=^$", f"-test.bench={spec.pattern}", "-test.count=1",
            "-test.benchtime=1x", f"-test.timeout={session.settings.timeout}"]
    result = go.run_program(str(binary), args, cwd=side.tree / spec.package,
                            timeout=session.timeout())
    session.stop_if_spent(result)
    runner.raise_for_failure(result, spec, session.settings, side.label)
    found = parse(result.output, source=f"{side.label} {spec.package}")
    session.leaves[spec] = list(dict.fromkeys(key.bench.name for key in found.samples))
    return session.leaves[spec]


def benchtime(settings: RunSettings) -> float:
    """`benchtime` in seconds; 0 for "Nx" (N iterations: no time per benchmark to go by)."""
    return 0.0 if settings.benchtime.endswith("x") else parse_duration(settings.benchtime)


def each(settings: RunSettings, run: float | None, every: Sequence[str]) -> float:
    """Seconds one run of one benchmark should take: its share of an earlier whole run, else
    about twice `benchtime` (go runs each for `benchtime`, and a little more finding its N)."""
    return run / len(every) if run and every else 2 * benchtime(settings)


def whole(runs: Runs, session: Session, spec: RunSpec) -> float | None:
    """Seconds all of ``spec``'s rounds should take, from its benchmarks' names; None when it
    failed or the budget ran out finding them (said)."""
    every = _probe(runs, session, spec)
    if every is None:
        return None
    return each(runs.settings, None, every) * len(every) * runs.settings.count \
        * len(session.sides)


def measure_in_part(runs: Runs, session: Session, spec: RunSpec, run: float | None) -> None:
    """As many of ``spec``'s benchmarks as fit the budget, in the order go runs them; the rest
    left out, named."""
    every = _probe(runs, session, spec)
    if every is None:
        return
    per = each(runs.settings, run, every) * runs.settings.count * len(session.sides)
    if not every or per <= 0:  # no benchmark (said there), or nothing to go by: round 1 tells
        runs.measure(session, spec)
        return
    fit = min(len(every), int(runs.deadline.remaining() * SLACK // per))
    if fit == 0:
        runs.skip(spec, f"not started: even its first benchmark needs ~{seconds_text(per)}, "
                        f"{runs.left()}")
        return
    if fit < len(every):
        runs.reporter.progress(
            f"{spec.package}: ~{seconds_text(per * len(every))} for all "
            f"{plural(len(every), 'benchmark')} does not fit ({runs.left()}): measuring the "
            f"first {fit}, in the order go runs them")
        runs.leave_out(spec, every[fit:], f"not measured: {fit} of {len(every)} benchmarks "
                                          f"fit the time budget {runs.budget}", every)
    runs.measure(session, spec, names=every[:fit])


def narrowed(runs: Runs, session: Session, spec: RunSpec, names: Sequence[str] | None,
             done: int, per_round: float, doing: str) -> list[str] | None:
    """The rounds still to run do not fit: keep as many of the benchmarks (in the order go runs
    them) as can still finish their rounds; those left out are named. None when not even one
    can, or when confirming (the selection is then unchecked)."""
    count = runs.settings.count
    running = list(names) if names is not None else session.leaves.get(spec, [])
    per_each = per_round * (count - done) / len(running) if running else 0.0
    keep = int(runs.deadline.remaining() * SLACK // per_each) if per_each else 0
    if keep <= 0 or doing:
        runs.skip(spec, f"{doing}stopped after {done} of {count} rounds: the other "
                        f"{count - done} need ~{seconds_text(per_round * (count - done))}, "
                        f"{runs.left()}")
        return None
    runs.leave_out(spec, running[keep:], f"measured {done} of {count} rounds before the time "
                                         f"budget {runs.budget} ran short",
                   session.leaves.get(spec, running))
    return running[:keep]


def _probe(runs: Runs, session: Session, spec: RunSpec) -> list[str] | None:
    """probe(), or None when the selection failed (said) or the budget ran out."""
    try:
        return probe(session, spec)
    except Spent:
        runs.skip(spec, f"stopped at the deadline (budget {runs.budget}) while building")
    except BenchguardError as error:
        runs.failed(spec, error)
    finally:
        runs.packages.update(session.packages)
    return None
