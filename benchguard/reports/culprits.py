"""Which commit made each regression of a blocked range (push.bisect), as the block message, the
pull request's Markdown and JSON say it (docs/check.md, "Which commit"; docs/json.md)."""

from __future__ import annotations

import math
from typing import Any

from benchguard.engine.benchfmt import SeriesKey
from benchguard.engine.bisection import Bisected, Found, Step
from benchguard.push.bisect import Culprits, Pushed
from benchguard.push.budget import seconds_text
from benchguard.reports.table import finite
from benchguard.style import plural, printable


def render_text(culprits: Culprits | None, *, markdown: bool = False) -> list[str]:
    """The lines under a blocked check's regressions: one result each, with its commit (or the
    commits it is spread over, or what is still open)."""
    if culprits is None or not culprits.found:
        return []
    count = len(culprits.commits)
    title = (f"which commit ({plural(count, 'pushed commit')}, first-parent; "
             f"{len(culprits.measured)} measured against the base in "
             f"{seconds_text(culprits.seconds)}):")
    lines = ["", f"**{title[:-1].capitalize()}**" if markdown else title]
    if markdown:
        lines.append("")
    for key, found in culprits.found.items():
        lines += _result_lines(culprits, key, found, markdown=markdown)
    return lines


def _result_lines(culprits: Culprits, key: SeriesKey, found: Bisected, *,
                  markdown: bool) -> list[str]:
    name = f"{key.bench.describe()} {key.unit}"
    lead, indent = ("- ", "  - ") if markdown else ("  ", "    ")
    shown = (lambda text: f"`{text}`") if markdown else (lambda text: text)
    threshold = culprits.thresholds.get(key, 0.0)
    if found.found == Found.COMMIT and found.culprit is not None:
        [own] = found.steps
        return [printable(f"{lead}{shown(name)}: commit {_commit(culprits, found.culprit)}: "
                          f"its own change {_change(own)}{_undecided(culprits, found)}")]
    if found.found == Found.SPREAD:
        lines = [printable(f"{lead}{shown(name)}: spread over "
                           f"{plural(len(found.steps), 'step')}, each below the "
                           f"{threshold:.0%} threshold, together {_percent(found.total.change)}"
                           f" (the first past it: "
                           f"{culprits.commit(found.culprit or 1).sha[:12]})"
                           f"{_undecided(culprits, found)}:")]
        lines += [printable(f"{indent}{_where(culprits, step)}: {_change(step)}")
                  for step in found.steps]
        return lines
    why = culprits.stopped.get(key, "the search was cut short")
    where = ""
    if found.open is not None:
        first, last = found.open
        where = f"; it is one of {_commit(culprits, first)}" if first == last else \
            f"; it is one of {_span(culprits, first, last)}"
    return [printable(f"{lead}{shown(name)}: not found: {why}{where}")]


def _undecided(culprits: Culprits, found: Bisected) -> str:
    """Commits before it the rule could settle neither way: it may be one of them."""
    if not found.undecided:
        return ""
    named = ", ".join(_commit(culprits, position) for position in found.undecided)
    return f" — but {named} could not be decided either way: it may be that one instead"


def _commit(culprits: Culprits, position: int) -> str:
    return culprits.commit(position).describe(len(culprits.commits))


def _span(culprits: Culprits, first: int, last: int) -> str:
    count = len(culprits.commits)
    return (f"{first}/{count} {culprits.commit(first).sha[:12]} to "
            f"{last}/{count} {culprits.commit(last).sha[:12]}")


def _where(culprits: Culprits, step: Step) -> str:
    if step.first == step.last:
        return _commit(culprits, step.first)
    return f"somewhere in {_span(culprits, step.first, step.last)}"


def _change(step: Step) -> str:
    if step.low is None or step.high is None or step.low == step.high:
        return _percent(step.change)
    return (f"{_percent(step.change)} (80% interval {_percent(step.low)} to "
            f"{_percent(step.high)})")


def _percent(change: float) -> str:
    return "?" if not math.isfinite(change) else f"{change * 100:+.1f}%"


def to_json(culprits: Culprits | None) -> dict[str, Any] | None:
    """docs/json.md, "culprits"."""
    if culprits is None:
        return None
    return {"commits": len(culprits.commits), "measured": len(culprits.measured),
            "seconds": round(culprits.seconds, 3),
            "results": [_result_json(culprits, key, found)
                        for key, found in culprits.found.items()]}


def _result_json(culprits: Culprits, key: SeriesKey, found: Bisected) -> dict[str, Any]:
    bench = key.bench
    culprit = culprits.commit(found.culprit) if found.culprit is not None else None
    return {"package": bench.package, "name": bench.name, "procs": bench.procs,
            "tags": list(bench.tags), "metric": key.unit,
            "threshold": culprits.thresholds.get(key), "found": found.found.value,
            "commit": _pushed_json(culprit),
            "steps": [_step_json(culprits, step) for step in found.steps],
            "total": finite(found.total.change),
            "open": None if found.open is None else
            [_pushed_json(culprits.commit(position)) for position in found.open],
            "measured": [culprits.commit(position).sha for position in found.measured],
            "undecided": [culprits.commit(position).sha for position in found.undecided],
            "stopped": culprits.stopped.get(key)}


def _pushed_json(commit: Pushed | None) -> dict[str, Any] | None:
    if commit is None:
        return None
    return {"sha": commit.sha, "subject": commit.subject, "author": commit.author,
            "position": commit.position}


def _step_json(culprits: Culprits, step: Step) -> dict[str, Any]:
    return {"first": _pushed_json(culprits.commit(step.first)),
            "last": _pushed_json(culprits.commit(step.last)),
            "change": finite(step.change),
            "interval": None if step.low is None or step.high is None
            else [finite(step.low), finite(step.high)]}
