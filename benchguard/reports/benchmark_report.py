"""The benchmark report of `benchguard report` (docs/report.md): a summary, each target or
benchmark, memory, recommendations from profile diffs, and what was done — as Markdown for a pull
request, JSON or text."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from benchguard.engine import stats
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.names import tags_line
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison, ComparisonReport
from benchguard.push.targets import Evaluation, TargetResult
from benchguard.redact import redact
from benchguard.reports import table as reporting
from benchguard.reports import targets as targeting
from benchguard.reports.history import changed_json, changed_line
from benchguard.reports.profile import ProfileDiff
from benchguard.store.history import ChangeAt
from benchguard.style import plural, printable

PASS, FAIL, REGRESSED, INCOMPLETE = "PASS", "FAIL", "REGRESSION", "INCOMPLETE"
MEMORY_UNITS = ("B/op", "allocs/op")


@dataclass(frozen=True)
class Action:
    done: bool
    text: str


@dataclass
class BenchReport:
    """Everything one report shows; built by `benchguard report`, rendered here."""

    date: str  # YYYY-MM-DD
    head: str
    base: str | None
    benchmarks: BenchmarkSet  # the head's samples
    gate: ComparisonReport | None  # the configured metrics, as `check` judges them
    full: ComparisonReport | None  # every metric, for the memory analysis
    targets: Evaluation
    profiles: list[ProfileDiff] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # benchmarks that failed to build or run
    actions: list[Action] = field(default_factory=list)
    profile_hint: str = "benchguard profile"  # the command that would profile a regression
    # what the push of the head left unchecked (its notes): as prominent as a regression
    not_checked: tuple[dict[str, Any], ...] = ()
    # the change points of the last ``last`` first-parent commits (found over a longer history)
    change_points: list[ChangeAt] = field(default_factory=list)
    last: int = 0

    @property
    def regressions(self) -> list[Comparison]:
        if self.gate is None:
            return []
        return [c for c in self.gate.comparisons
                if c.verdict == Verdict.REGRESSION and c.allowed_by is None]

    @property
    def status(self) -> str:
        if self.failures or self.targets.blocking:
            return FAIL
        if self.regressions:
            return REGRESSED
        return INCOMPLETE if self.not_checked else PASS

    @property
    def bench_count(self) -> int:
        return len({key.bench for key in self.benchmarks.samples})


def _name(bench: BenchKey) -> str:
    return f"{bench.label} [{tags_line(bench.tags)}]" if bench.tags else bench.label


def _median(benchmarks: BenchmarkSet, bench: BenchKey, unit: str) -> float | None:
    values = benchmarks.samples.get(SeriesKey(bench, unit))
    return stats.summarize(values).center if values else None


def _current(benchmarks: BenchmarkSet, bench: BenchKey) -> str:
    seconds = _median(benchmarks, bench, "sec/op")
    if seconds is None:
        units = [key.unit for key in benchmarks.samples if key.bench == bench]
        if not units:
            return "not measured"
        value = _median(benchmarks, bench, units[0])
        return targeting.format_number(value, units[0]) if value is not None else "not measured"
    ops = targeting.format_number(1 / seconds if seconds else math.inf, "ops/sec")
    return f"{ops} ({targeting.format_ns(seconds)})"


def _change(comparison: Comparison | None, alpha: float) -> str:
    if comparison is None or comparison.p is None:
        return "no baseline to compare with"
    delta = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
    if comparison.p > alpha:
        return f"{delta} (p={comparison.p:.3f}, not significant)"
    verdict = str(comparison.verdict)
    if comparison.allowed_by is not None:
        verdict += f", allowed by `{comparison.allowed_by}`"
    return f"{delta} (p={comparison.p:.3f}, {verdict})"


def append_step_summary(markdown: str) -> None:
    """GitHub Actions shows what a step appends to $GITHUB_STEP_SUMMARY on the run's page
    (secrets masked: the report may quote what the code under test printed)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path and markdown.strip():
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(redact(markdown).rstrip("\n") + "\n\n")


def render_markdown(report: BenchReport) -> str:
    alpha = report.gate.alpha if report.gate is not None else 0.05
    status = {PASS: "✅ PASS", FAIL: "❌ FAIL", REGRESSED: "⚠️ REGRESSION",
              INCOMPLETE: "⚠️ INCOMPLETE"}[report.status]
    compared = f"compared with `{report.base[:12]}`" if report.base else \
        "no earlier commit to compare with"
    lines = [f"## Benchmark Report - {report.date}", "",
             f"Head `{report.head[:12]}`, {compared}.", "",
             "### Summary", "",
             f"- Overall Status: **{status}**",
             f"- Benchmarks Run: {report.bench_count}",
             f"- Regressions Detected: {len({c.series.bench for c in report.regressions})}"]
    if report.targets.results:
        met = sum(1 for result in report.targets.results if result.met)
        lines.append(f"- Targets Met: {met} of {len(report.targets.results)}")
    for failure in report.failures:
        lines.append(f"- Failed: {failure}")
    lines += [f"- **Not checked** by its push: {_unchecked(selection)}"
              for selection in report.not_checked]
    lines += ["", "### Performance Metrics", ""]
    lines += _metrics(report, alpha)
    lines += ["### Memory Analysis", ""]
    lines += _memory(report)
    lines += _change_points(report, markdown=True)
    lines += ["### Recommendations", ""]
    lines += [f"- {line}" for line in recommendations(report)]
    lines += ["", "### Action Taken", ""]
    lines += [f"- [{'x' if action.done else ' '}] {action.text}" for action in report.actions]
    return "\n".join(lines) + "\n"


def _gate_comparison(report: BenchReport, bench: BenchKey, unit: str) -> Comparison | None:
    for source in (report.gate, report.full):
        if source is not None:
            for comparison in source.comparisons:
                if comparison.series == SeriesKey(bench, unit):
                    return comparison
    return None


def _metrics(report: BenchReport, alpha: float) -> list[str]:
    lines: list[str] = []
    by_bench: dict[BenchKey, list[TargetResult]] = {}
    for result in report.targets.results:
        by_bench.setdefault(result.bench, []).append(result)
    benches = list(dict.fromkeys([*by_bench, *(key.bench for key in report.benchmarks.samples)]))
    for bench in benches:
        comparison = _gate_comparison(report, bench, "sec/op")
        lines += [f"#### {_name(bench)}", "",
                  f"- Package: `{bench.package}`",
                  f"- Current: {_current(report.benchmarks, bench)}"]
        results = by_bench.get(bench, [])
        for result in results:
            kind = "enforced" if result.target.enforce else "report only"
            lines.append(f"- Target: {targeting.describe_limit(result.target)} ({kind}), "
                         f"measured {targeting.describe_value(result)}")
        if not results:
            lines.append("- Target: none")
        regressed = any(c.series.bench == bench for c in report.regressions)
        ok = all(result.met for result in results) and not regressed
        lines.append(f"- Status: {'✓' if ok else '✗'}")
        lines.append(f"- Change from baseline: {_change(comparison, alpha)}")
        lines.append("")
    if not benches:
        lines += ["No benchmark results.", ""]
    return lines


def _memory(report: BenchReport) -> list[str]:
    rows = []
    notable = []
    alpha = report.full.alpha if report.full is not None else 0.05
    benches = list(dict.fromkeys(key.bench for key in report.benchmarks.samples
                                 if key.unit in MEMORY_UNITS))
    for bench in benches:
        cells = [f"`{_name(bench)}`"]
        for unit in MEMORY_UNITS:
            comparison = _gate_comparison(report, bench, unit)
            head = _median(report.benchmarks, bench, unit)
            if head is None:
                cells.append("—")
                continue
            now = targeting.compact(head, unit).removesuffix(f" {unit}")
            if comparison is None or comparison.base is None:
                cells.append(now)
                continue
            was = targeting.compact(comparison.base.center, unit).removesuffix(f" {unit}")
            change = "" if comparison.delta in (None, 0) else f" ({comparison.delta * 100:+.1f}%)"
            cells.append(f"{was} → {now}{change}")
            if comparison.p is not None and comparison.p <= alpha and comparison.delta:
                direction = "more" if comparison.delta > 0 else "fewer"
                what = "bytes" if unit == "B/op" else "allocations"
                notable.append(f"`{_name(bench)}`: {direction} {what} per operation, "
                               f"{was} → {now} ({comparison.delta * 100:+.1f}%, "
                               f"p={comparison.p:.3f}, {comparison.verdict})")
        rows.append(f"| {' | '.join(cells)} |")
    if not rows:
        return ["No memory statistics were reported (benchmarks run with `-benchmem` report "
                "B/op and allocs/op).", ""]
    lines = ["| benchmark | bytes per operation (B/op) | allocations per operation |",
             "|:--|--:|--:|", *rows, ""]
    if notable:
        lines += ["Notable changes:", "", *(f"- {line}" for line in notable), ""]
    else:
        lines += ["No significant change in memory use.", ""]
    return lines


def _change_points(report: BenchReport, *, markdown: bool) -> list[str]:
    """Where a benchmark's level moved in the last commits (history's change points)."""
    if not report.last:
        return []
    title = f"Change points in the last {report.last} commits"
    lines = [f"### {title}", ""] if markdown else [f"{title}:"]
    bullet = "- " if markdown else "  - "
    lines += [bullet + changed_line(one, markdown=markdown) for one in report.change_points]
    if not report.change_points:
        lines.append(f"{bullet}none: no benchmark's level moved")
    return [*lines, ""]


def recommendations(report: BenchReport) -> list[str]:
    out = []
    profiles = {(diff.head, name): diff for diff in report.profiles for name in diff.benchmarks}
    seen: set[BenchKey] = set()
    for comparison in report.regressions:
        bench = comparison.series.bench
        if bench in seen:
            continue
        seen.add(bench)
        delta = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
        text = (f"**{_name(bench)}** (`{bench.package}`) regressed {delta} in "
                f"{comparison.series.unit}.")
        diff = profiles.get((report.head, bench.name))
        if diff is not None and diff.slower():
            functions = ", ".join(f"`{_function(change.function)}` ({diff.describe(change)})"
                                  for change in diff.slower(3))
            top = _function(diff.slower(1)[0].function).rsplit("/", 1)[-1]
            text += (f" The functions whose share of CPU grew most: {functions}. Look at what "
                     f"changed in `{top}` between "
                     f"`{diff.base[:12]}` and `{diff.head[:12]}`; the profiles are in "
                     f"`{diff.directory}` (`go tool pprof -http=: "
                     f"-diff_base={diff.directory}/base.cpu.prof "
                     f"{diff.directory}/head.cpu.prof`).")
        elif diff is not None:
            text += " Its CPU profile diff shows no growth: try a longer `--benchtime`."
        else:
            text += (f" To see which functions got slower, run "
                     f"`{report.profile_hint} '{pattern_for([bench.name])}'`.")
        out.append(text)
    for result in report.targets.missed:
        kind = "enforced" if result.target.enforce else "report only"
        out.append(f"**{result.name}** misses its target ({kind}): "
                   f"{targeting.describe_value(result)}, target "
                   f"{targeting.describe_limit(result.target)}.")
    for failure in report.failures:
        out.append(f"Fix the failing benchmark run: {failure}.")
    if report.not_checked:
        out.append("Measure what the push left unchecked (`benchguard baseline`, or a check "
                   "with a larger `budget`): " + "; ".join(map(_unchecked, report.not_checked))
                   + ".")
    if not out:
        out.append("No action needed: no regression, every target met.")
    return out


def _unchecked(selection: dict[str, Any]) -> str:
    """One selection a push left unchecked, as its notes recorded it."""
    names = selection.get("benchmarks") or []
    what = f"{plural(len(names), 'benchmark')} of it" if names else \
        f"`{selection.get('pattern')}`"
    return printable(f"`{selection.get('package')}` {what} ({selection.get('reason')})")


def _function(name: str) -> str:
    return name.removesuffix(" (inline)")


def render_text(report: BenchReport, *, colour: bool) -> str:
    lines = [f"Benchmark report {report.date}: {report.status} — head {report.head[:12]}, base "
             f"{report.base[:12] if report.base else 'none'}, {report.bench_count} benchmarks", ""]
    if report.full is not None:
        lines.append(reporting.render_text(report.full, colour=colour).rstrip("\n"))
        lines.append("")
    lines += targeting.render_text(report.targets, colour=colour, hint=False)
    lines += ["", *_change_points(report, markdown=False)]
    lines += ["recommendations:"]
    lines += [f"  - {line.replace('**', '').replace('`', '')}" for line in recommendations(report)]
    lines += ["", "actions:"]
    lines += [f"  [{'x' if action.done else ' '}] {action.text.replace('`', '')}"
              for action in report.actions]
    return "\n".join(lines) + "\n"


def to_json(report: BenchReport) -> dict[str, Any]:
    return {
        "date": report.date,
        "status": report.status.lower(),
        "head": report.head,
        "base": report.base,
        "benchmarks_run": report.bench_count,
        "regressions": len({c.series.bench for c in report.regressions}),
        "comparison": reporting.to_json(report.full) if report.full is not None else None,
        "targets": targeting.to_json(report.targets),
        "failures": list(report.failures),
        "not_checked": list(report.not_checked),
        "recommendations": recommendations(report),
        "profiles": [asdict(diff) for diff in report.profiles],
        "change_points": [changed_json(one) for one in report.change_points],
        "actions": [{"done": action.done, "text": action.text} for action in report.actions],
    }

