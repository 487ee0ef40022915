"""A branch's check as people and scripts read it: the text under `git push`, the Markdown of a
pull request and of the step summary, and the JSON of docs/json.md — for a finished check
(Outcome) and for a plan (`check --dry-run`, Prepared)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine.decision import Decision, Method, State
from benchguard.engine.ledger import how_decided
from benchguard.engine.names import run_name
from benchguard.engine.simulation import SIMULATION
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison, ComparisonReport
from benchguard.push.measure import Measured, describe_spec
from benchguard.push.outcome import Outcome, Prepared, overall_status
from benchguard.push.runner import RunSpec
from benchguard.push.selection import Selection
from benchguard.reports import culprits, table, targets
from benchguard.reports.table import finite
from benchguard.store import overrides
from benchguard.style import paint, plural, printable
from benchguard.tools import git


def to_json(outcomes: Sequence[Outcome], *, message: str = "") -> dict[str, Any]:
    """`check --format json`: one document for the whole push, each pushed branch's check in
    ``checks`` (docs/json.md)."""

    data: dict[str, Any] = {"version": JSON_VERSION, "status": overall_status(outcomes).value}
    if message:
        data["message"] = message
    data["checks"] = [outcome_json(outcome) for outcome in outcomes]
    return data


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    data = report_json(outcome.report)
    data.update({
        "status": outcome.status.value,
        "ref": outcome.range.ref,
        "base": outcome.range.base,
        "head": outcome.range.head,
        **_selection_json(outcome.selection),
        "failed": outcome.failures,
        "allowed": [{"pattern": a.override.pattern, "source": a.override.source,
                     "reason": a.override.reason, "benchmarks": list(a.benchmarks)}
                    for a in outcome.allowed],
    })
    if outcome.measured is not None:
        data["rounds"] = {selection: rounds.to_json()
                          for selection, rounds in outcome.measured.rounds.items()}
        data["confirmations"] = [
            {"package": c.stored.series.bench.package, "name": c.stored.series.bench.name,
             "procs": c.stored.series.bench.procs, "tags": list(c.stored.series.bench.tags),
             "metric": c.stored.series.unit,
             "stored": _brief_json(c.stored), "fresh": _brief_json(c.fresh)}
            for c in outcome.measured.confirmations]
    if outcome.targets is not None:
        data["targets"] = targets.to_json(outcome.targets)
    data["culprits"] = culprits.to_json(outcome.culprits)
    data["plan"] = None if outcome.plan is None else outcome.plan.to_json()
    data["unchecked"] = [unchecked.to_json() for unchecked in outcome.unchecked]
    if outcome.deadline is not None:
        at = outcome.deadline.wall_clock()
        data["budget"] = {"budget": outcome.budget, "on_budget": outcome.on_budget,
                          "deadline": None if at is None else round(at, 3)}
    if outcome.message:
        data["message"] = outcome.message
    return data


def render_text(outcome: Outcome, *, colour: bool, blocked: str = "the push",
                how_to_allow: str | None = None) -> str:
    """The check as text; a regression blocks ``blocked``, and ``how_to_allow`` replaces
    the line saying how to push anyway (`benchguard ci` says how to let a pull request
    through)."""
    if outcome.report is None:
        return f"benchguard: {outcome.range.ref}: {outcome.message}"

    lines = [table.render_text(outcome.report, colour=colour, status=outcome.status,
                               unchecked=not_checked(outcome)).rstrip("\n")]
    if outcome.failures:
        count = len(outcome.failures)
        effect = "blocks the push" if outcome.blocked_by_failures else \
            'does not block the push (on_error = "warn")'
        lines += ["", paint(f"ERROR: {plural(count, 'selection')} could not "
                            f"be measured, which {effect}; the rest was compared above:",
                            "red" if outcome.blocked_by_failures else "yellow", enabled=colour)]
        lines += [f"  not measured: {printable(failure)}" for failure in outcome.failures]
    lines += _noise_lines(outcome.report, outcome.measured)
    lines += _regression_table(outcome.report, colour=colour, blocked=blocked,
                               how_to_allow=how_to_allow)
    lines += culprits.render_text(outcome.culprits)
    if outcome.targets is not None:
        lines += targets.render_text(outcome.targets, colour=colour)
    if outcome.unchecked or outcome.unconfirmed:
        lines += ["", *_unchecked_lines(outcome, colour=colour)]
    return "\n".join(lines).strip("\n")


def not_checked(outcome: Outcome) -> str:
    """What the summary line adds when something relevant was not checked: "not checked:
    ./zapcore (12 of 51 benchmarks), ./zapio" — most relevant first, as the plan ordered."""
    if not outcome.unchecked:
        return ""
    named = []
    for unchecked in outcome.unchecked:
        if unchecked.benchmarks:
            name = describe_spec(RunSpec(unchecked.package, tags=unchecked.tags)) + \
                f" ({plural(len(unchecked.benchmarks), 'benchmark')} of it)"
        else:
            name = run_name(unchecked.package, unchecked.pattern, unchecked.tags)
        named.append(name)
    shown = ", ".join(named[:4]) + (f" and {len(named) - 4} more" if len(named) > 4 else "")
    return f"not checked: {printable(shown)}"


def _unchecked_lines(outcome: Outcome, *, colour: bool) -> list[str]:
    """What the time budget left unchecked or unconfirmed, loudly, and what that does to the
    push."""
    if not outcome.unchecked and not outcome.unconfirmed:
        return []
    hue = "red" if outcome.blocked_by_budget else "yellow"
    lines = []
    if outcome.unconfirmed:
        title = (f"NOT CONFIRMED: {plural(len(outcome.unconfirmed), 'result')} worse than the "
                 f"threshold by its whole interval, the time budget ({outcome.budget}) ran "
                 "out before a look confirmed it:")
        lines.append(paint(printable(title), hue, enabled=colour))
        lines += [printable(f"  {brief(c)}") for c in outcome.unconfirmed]
    if outcome.unchecked:
        count = len(outcome.unchecked)
        title = (f"NOT CHECKED: {plural(count, 'selection')} of "
                 f"{outcome.range.ref} did not fit the time budget ({outcome.budget}):")
        lines.append(paint(printable(title), hue, enabled=colour))
    for unchecked in outcome.unchecked:  # none when there is none
        if unchecked.benchmarks:
            names = unchecked.benchmarks
            shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more"
                                            if len(names) > 8 else "")
            where = describe_spec(RunSpec(unchecked.package, tags=unchecked.tags))
            lines.append(printable(f"  {where}: {unchecked.reason}: {shown}"))
        else:
            name = run_name(unchecked.package, unchecked.pattern, unchecked.tags)
            lines.append(printable(f"  {name}: {unchecked.reason}"))
    if outcome.blocked_by_budget:
        lines.append(f'on_budget = "block": the push is blocked; raise budget (now '
                     f'"{outcome.budget}") in benchguard.toml, or push anyway with '
                     "BENCHGUARD_SKIP=1 git push")
    else:
        lines.append('on_budget = "warn": the push goes ahead without them (recorded in '
                     "the notes); raise budget in benchguard.toml to check them")
    return lines


def render_markdown(outcome: Outcome) -> str:
    if outcome.report is None:
        return f"**benchguard** `{outcome.range.ref}`: {outcome.message}"

    lines = [table.render_markdown(outcome.report).rstrip("\n"), ""]
    for line in _noise_lines(outcome.report, outcome.measured):
        if line.startswith("  ") and lines[-1].startswith("- "):  # continues the bullet
            lines[-1] += " " + line.strip()
        else:
            lines.append(f"- {line}")

    for s in outcome.selection.selected if outcome.selection else ():
        lines.append(printable(f"- `{s.package}` `{s.pattern}`: {s.reason}"))
    for unchecked in outcome.unchecked:
        lines.append(printable(f"- **not checked** (time budget {outcome.budget}): "
                               f"`{unchecked.package}` `{unchecked.pattern}`: "
                               f"{unchecked.reason}"))
    lines += [f"- not measured: {printable(failure)}" for failure in outcome.failures]
    lines += culprits.render_text(outcome.culprits, markdown=True)
    for one in outcome.selection.uncovered if outcome.selection else ():
        lines.append(printable(f"- not covered by any benchmark: `{one.path}`: {one.why}"))
    if outcome.targets is not None:
        lines += targets.render_markdown(outcome.targets)
    return "\n".join(lines)


def plan_json(prepared: Prepared) -> dict[str, Any]:
    """`check --dry-run --format json`: one branch's plan."""
    found = prepared.range
    data: dict[str, Any] = {"ref": found.ref, "base": found.base, "head": found.head}
    if prepared.outcome is not None:
        data.update({"status": prepared.outcome.status.value, "message": prepared.outcome.message})
    data.update(_selection_json(prepared.selection))
    data["plan"] = None if prepared.plan is None else prepared.plan.to_json()
    return data


def render_plan(prepared: Prepared) -> str:
    """`check --dry-run`: one branch's plan for people."""
    if prepared.outcome is not None or prepared.plan is None:
        message = prepared.outcome.message if prepared.outcome is not None else ""
        return f"benchguard: {prepared.range.ref}: {message} (dry run)"

    lines = [f"benchguard: {prepared.range.ref}: the plan (dry run: nothing is built or run)"]
    lines += [printable(line) for line in prepared.plan.lines(git.short(prepared.range.base))]
    return "\n".join(lines)


def _selection_json(chosen: Selection | None) -> dict[str, Any]:
    """What a branch selected, with why, and the changed files no benchmark measures; ``failed``
    lists the selections go could not load (a check adds those that did not build)."""
    return {"selected": [{"package": s.package, "pattern": s.pattern, "tags": list(s.tags),
                          "reason": s.reason, "left_unchecked_by": s.left_by or None}
                         for s in (chosen.selected if chosen else ())],
            "uncovered": [u.path for u in (chosen.uncovered if chosen else ())],
            "failed": [f.message for f in (chosen.failed if chosen else ())]}


def _brief_json(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {"delta": comparison.delta, "p": comparison.p, "p_adjusted": comparison.p_adjusted,
            "verdict": comparison.verdict,
            "n": [s.n if s else 0 for s in (comparison.base, comparison.head)],
            "decision": decision_json(comparison.decision)}


def decision_json(made: Decision | None) -> dict[str, Any] | None:
    """How `check`'s rounds decided one result (docs/json.md)."""
    if made is None:
        return None
    return {"state": made.state.value, "why": made.why.value, "method": made.method.value,
            "change": finite(made.change),
            "interval": [finite(made.low), finite(made.high)], "p": made.p,
            "level": made.level, "rounds": made.n, "reason": made.reason}


def _noise_lines(compared: ComparisonReport, measured: Measured | None) -> list[str]:
    if measured is None or measured.rule is None:
        return []
    made = [c.decision for c in compared.comparisons if c.decision is not None]
    at = [round_ for rounds in measured.rounds.values() if rounds.instrument != SIMULATION
          for round_ in rounds.decided.values()]
    if made and all(one.method == Method.EXACT for one in made):
        tally = ", ".join(f"{count} {state}" for state, count in (
            ("settled", sum(one.state == State.SETTLED for one in made)),
            ("blocked", sum(one.blocks for one in made))) if count)
        lines = [f"verdicts: exact, without a test (simulated counts, and metrics every run "
                 f"gave one value): {tally}"]
    else:
        lines = [how_decided(measured.rule, compared.family, compared.correction, made, at)]
    for described, rounds in measured.rounds.items():
        if rounds.instrument == SIMULATION:
            how = "base and head at the same iteration counts" if rounds.side_by_side else \
                "the head against the stored simulated baseline, at its iteration counts"
            lines.append(f"{described.removesuffix(' (simulated)')}: simulated (valgrind), "
                         f"{how}: one run a side decides")
            continue
        if not rounds.side_by_side:
            continue
        more = ""
        if rounds.extra:
            benchmarks = plural(rounds.undecided, "undecided benchmark")
            more = f" ({rounds.rounds - rounds.extra} + {rounds.extra} of {benchmarks})"
        lines.append(f"{described}: base and head measured side by side, {rounds.rounds} "
                     f"rounds{more}")
    for confirmation in measured.confirmations:
        stored, fresh = confirmation.stored, confirmation.fresh
        lines.append(f"confirming {brief(stored)}: open against the stored baseline;")
        if fresh is None:
            lines.append("  side by side: not measured again (benchmark not found)")
        else:
            held = "blocks" if fresh.verdict == Verdict.REGRESSION else "does not block"
            lines.append(f"  side by side now: {brief(fresh)}: {fresh.verdict}, "
                         f"so it {held}")
    return lines


def _regression_table(compared: ComparisonReport, *, colour: bool, blocked: str,
                      how_to_allow: str | None) -> list[str]:
    regressions = [c for c in compared.comparisons if c.verdict == Verdict.REGRESSION]
    if not regressions:
        return []
    rows = [(c.series.bench.describe(), c.series.unit, *evidence(c),
             f"allowed by {c.allowed_by!r}" if c.allowed_by else f"over {c.threshold:.0%}")
            for c in regressions]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    blocking = [c for c in regressions if c.allowed_by is None]
    title = f"regressions blocking {blocked}:" if blocking else "regressions (allowed):"
    lines = ["", paint(title, "red" if blocking else "yellow", enabled=colour)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                              strict=False))
                     + "  " + row[4])
    if blocking:
        lines.append(how_to_allow or overrides.push_anyway(c.series.bench.name for c in blocking))
    return lines


def report_json(compared: ComparisonReport | None) -> dict[str, Any]:
    if compared is None:
        compared = ComparisonReport(comparisons=[], warnings=[], alpha=0.05)
    data = table.to_json(compared)
    del data["version"]  # the document that holds these per-branch objects carries it, once
    for entry, comparison in zip(data["benchmarks"], compared.comparisons, strict=True):
        entry["p_adjusted"] = comparison.p_adjusted
        entry["decision"] = decision_json(comparison.decision)
    data["correction"] = {"method": compared.correction, "comparisons": compared.family}
    return data


def brief(comparison: Comparison) -> str:
    """A result in one line: its name, metric and change as its decision saw it (else
    benchstat's change of medians)."""

    made = comparison.decision
    if made is not None:
        seen = made.reason
    else:
        seen = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
    return f"{comparison.series.bench.describe()} {comparison.series.unit} {seen}"


def evidence(comparison: Comparison) -> tuple[str, str]:
    """A regression's change and what it rests on, as its decision saw them: the change the
    decision estimated ("+12.3%") and "exact", or its interval and test ("80% interval +8.1%
    to +16.8%, p=0.00031 ≤ 0.0021")."""
    made = comparison.decision
    change = comparison.delta if made is None else made.change
    shown = "?" if change is None else f"{change * 100:+.1f}%"
    if comparison.exact or (made is not None and (made.p is None or made.level is None)):
        return shown, "exact"
    if made is None or made.low is None or made.high is None:
        return shown, "" if comparison.p is None else f"p={comparison.p:.3f}"
    bounds = f"{made.low * 100:+.1f}% to {made.high * 100:+.1f}%"
    return shown, f"interval {bounds}, p={made.p:.2g} ≤ {made.level:.2g}"
