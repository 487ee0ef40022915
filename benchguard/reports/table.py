"""Presenting a ComparisonReport: benchstat-like text, JSON (docs/json.md), Markdown."""

from __future__ import annotations

import math
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine import units
from benchguard.engine.benchfmt import BenchKey
from benchguard.engine.names import tags_line
from benchguard.engine.simulation import SIMULATION, TIME, UNITS
from benchguard.engine.stats import Summary
from benchguard.engine.status import Status, Verdict
from benchguard.engine.verdict import Comparison, ComparisonReport, GeomeanRow, geomean_rows
from benchguard.style import paint, printable

_VERDICT_COLOURS = {Verdict.REGRESSION: "red", Verdict.IMPROVEMENT: "green",
                    Verdict.INSUFFICIENT: "yellow",
                    Verdict.NEW: "yellow", Verdict.MISSING: "yellow"}


def format_delta(comparison: Comparison, alpha: float) -> str:
    """benchstat's "vs base" cell: "~" when the test sees no difference, else the change of the
    medians ("?" when the base is 0). A change decided exactly (2 → 3 allocs/op at p=0.1)
    shows its size: "~" next to a verdict of change would contradict it."""
    if comparison.p is None:
        return ""
    changed = comparison.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
    if comparison.p > alpha and not changed:
        return "~"
    assert comparison.base is not None and comparison.head is not None
    if comparison.base.center == comparison.head.center:
        return "0.00%"
    if comparison.delta is None:
        return "?"
    return units.percent(comparison.delta)


def format_test(comparison: Comparison) -> str:
    assert comparison.base is not None and comparison.head is not None
    n1, n2 = comparison.base.n, comparison.head.n
    sizes = f"n={n1}" if n1 == n2 else f"n={n1}+{n2}"
    # benchstat leaves out a p of exactly 0: an exact comparison, or one that underflowed
    return f"(p={comparison.p:.3f} {sizes})" if comparison.p else f"({sizes})"


def bench_label(comparison: Comparison) -> str:
    """The row's name as benchstat prints it ("Sum-8"), control characters escaped."""
    return printable(comparison.series.bench.short_label)


def verdict_text(comparison: Comparison) -> str:
    if comparison.allowed_by is not None:
        return f"{comparison.verdict} (allowed: {printable(comparison.allowed_by)})"
    return comparison.verdict


# A table's configuration: its package and the build tags its benchmarks were built with.
_Build = tuple[str, tuple[str, ...]]


def _groups(report: ComparisonReport) -> dict[tuple[_Build, str], list[Comparison]]:
    groups: dict[tuple[_Build, str], list[Comparison]] = {}
    for comparison in report.comparisons:
        bench = comparison.series.bench
        key = ((bench.package, bench.tags), comparison.series.unit)
        groups.setdefault(key, []).append(comparison)
    return groups


def render_text(report: ComparisonReport, *, colour: bool,
                names: tuple[str, str] = ("base", "head"), status: Status | None = None,
                unchecked: str = "") -> str:
    """A benchstat-style table per package, build and metric, with a verdict column; as
    benchstat shows configuration, `pkg:` and (for a build with tags) `tags:` lines head them.
    ``names`` head the two sides' columns (benchstat uses the files' names); ``status`` and
    ``unchecked`` replace the summary's first word and add what was not checked (`check`)."""
    lines: list[str] = []
    groups = _groups(report)
    # a build's tables together, builds in order of first appearance
    build_order: dict[_Build, int] = {}
    for build, _ in groups:
        build_order.setdefault(build, len(build_order))
    known = {row.unit: row for row in report.geomeans} if len(build_order) == 1 else None
    last_build: _Build | None = None
    for ((package, tags), unit), group in sorted(groups.items(),
                                                 key=lambda item: build_order[item[0][0]]):
        if (package, tags) != last_build and (package or tags):
            if lines:
                lines.append("")
            if package:
                lines.append(f"pkg: {printable(package)}")
            if tags:
                lines.append(printable(tags_line(tags)))
            last_build = (package, tags)
        elif lines:
            lines.append("")
        # per table, as benchstat's tables are per package
        geomean = known.get(unit) if known is not None else next(iter(geomean_rows(group)), None)
        lines.extend(_table(group, unit, report.alpha, geomean, colour, names))
    if not report.comparisons:
        lines.append("no benchmarks to compare")
    lines.append("")
    lines.append(_tally(report, colour, status, unchecked))
    # a geomean's own notes are footnotes under its table, as benchstat prints them
    footnotes = {f"{note} ({row.unit})" for row in report.geomeans for note in row.warnings}
    for warning in report.warnings:
        if warning not in footnotes:
            lines.append(paint(f"warning: {printable(warning)}", "yellow", enabled=colour))
    return "\n".join(lines) + "\n"


def _table(group: list[Comparison], unit: str, alpha: float, geomean: GeomeanRow | None,
           colour: bool, names: tuple[str, str] = ("base", "head")) -> list[str]:
    rows = _rows(group, unit, alpha, colour)
    if geomean is not None:
        # benchstat leaves a geomean it cannot compute blank (a footnote says why)
        base_gm = "" if geomean.base is None else units.format_value(geomean.base, unit)
        head_gm = "" if geomean.head is None else units.format_value(geomean.head, unit)
        delta = "?" if geomean.delta is None else units.percent(geomean.delta)
        marks = "".join(_SUPERSCRIPTS[number] for number in range(1, len(geomean.warnings) + 1))
        rows.append(("geomean", base_gm, "", "", head_gm, "", "", delta, marks, ""))
    shown_unit = printable(unit)
    base_name, head_name = (printable(name) for name in names)
    w = [max(map(len, column)) for column in zip(*rows, strict=True)]
    # a column is as wide as its widest cell, its name or its unit (est-cycles/op)
    base_width = max(w[1] + w[2] + w[3] + 2, len(base_name), len(shown_unit))
    head_width = max(w[4] + w[5] + w[6] + 2, len(shown_unit))
    vs_width = w[7] + 1 + w[8]
    vs = "vs base"
    lines = [
        f"{'':<{w[0]}} │ {base_name:^{base_width}} │ {head_name:^{head_width + 2 + vs_width}} │",
        f"{'':<{w[0]}} │ {shown_unit:^{base_width}} │ {shown_unit:^{head_width}}  "
        f"{vs:<{vs_width}} │ verdict",
    ]
    # left-aligned names and p-values, right-aligned numbers; one % per row does the padding
    row_format = (f"%-{w[0]}s   %{base_width - w[2] - w[3] - 2}s %{w[2]}s %{w[3]}s   "
                  f"%{head_width - w[5] - w[6] - 2}s %{w[5]}s %{w[6]}s  %{w[7]}s %-{w[8]}s   %s")
    lines.extend(line.rstrip() for line in map(row_format.__mod__, rows))
    if geomean is not None:
        lines += [f"{_SUPERSCRIPTS[number]} {printable(note)}"
                  for number, note in enumerate(geomean.warnings, start=1)]
    return lines


_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _rows(group: list[Comparison], unit: str, alpha: float, colour: bool
          ) -> list[tuple[str, ...]]:
    """One row of cells per comparison: name, base ± range, head ± range, vs base, verdict."""
    binary = units.is_binary(unit)
    rows: list[tuple[str, ...]] = []
    formats: dict[float, units.Scale] = {}  # smallest median -> the row's scale
    # Constant metrics (allocs/op) share their Summary objects and repeat a few values over
    # thousands of rows: their cells are formatted once per distinct pair.
    exact_cells: dict[tuple[int, int, float | None, float | None, str], tuple[str, ...]] = {}
    for c in group:
        base, head = c.base, c.head
        hue = _VERDICT_COLOURS.get(c.verdict) if colour else None
        text = verdict_text(c)
        key = (id(base), id(head), c.p, c.delta, text)
        if c.exact and (cells := exact_cells.get(key)) is not None:
            rows.append((c.series.bench.short_label, *cells))
            continue
        # the row's scale comes from its smaller non-zero median, as benchstat's RowScaler
        x = abs(base.center) if base else 0.0
        y = abs(head.center) if head else 0.0
        smallest = x if x and (x < y or not y) else y
        scale = formats.get(smallest)
        if scale is None:
            scale = formats[smallest] = units.scale_for(smallest, binary)
        number, factor = scale.template, scale.factor
        cells = (
            number % (base.center / factor) if base else "", "±" if base else "",
            units.range_percent(base) if base else "",
            number % (head.center / factor) if head else "", "±" if head else "",
            units.range_percent(head) if head else "",
            format_delta(c, alpha), format_test(c) if c.p is not None else "",
            paint(text, hue, enabled=True) if hue else text,
        )
        if c.exact:
            exact_cells[key] = cells
        rows.append((c.series.bench.short_label, *cells))
    names = " ".join([row[0] for row in rows])
    if printable(names) != names:  # one search for the whole table: escaping is rarely needed
        rows = [(printable(row[0]), *row[1:]) for row in rows]
    return rows


def counted(count: int, verdict: Verdict) -> str:
    """How a tally reads: "1 regression", "36 regressions", "138 same"."""
    return f"{count} {_PLURALS.get(verdict, verdict) if count != 1 else verdict}"


# the others read the same
_PLURALS = {Verdict.REGRESSION: "regressions", Verdict.IMPROVEMENT: "improvements"}


def _tally(report: ComparisonReport, colour: bool, status: Status | None = None,
           unchecked: str = "") -> str:
    counts = {verdict: 0 for verdict in tuple(Verdict)}
    allowed = 0
    for comparison in report.comparisons:
        if comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is not None:
            allowed += 1
        else:
            counts[comparison.verdict] += 1
    parts = [counted(counts[v], v) for v in tuple(Verdict) if counts[v]]
    if allowed:
        parts.append(f"{allowed} allowed regression{'s' if allowed != 1 else ''}")
    status = status or report.status
    hue = {Status.REGRESSION: "red", Status.PASS: "green"}.get(status, "yellow")
    label = paint(status.upper(), hue, enabled=colour)
    tally = ", ".join(parts) if parts else "nothing compared"
    return f"{label}: {tally}; {unchecked}" if unchecked else f"{label}: {tally}"


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _summary_json(summary: Summary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    bounded = math.isfinite(summary.low) and math.isfinite(summary.high)
    return {"median": finite(summary.center), "n": summary.n,
            "ci": [summary.low, summary.high] if bounded else None}


def instruments(report: ComparisonReport) -> dict[BenchKey, str]:
    """The instrument that measured each benchmark: as `check` says, else "simulation" for a
    benchmark with a simulated unit (engine.simulation.UNITS), else "time"."""
    simulated = {c.series.bench for c in report.comparisons if c.series.unit in UNITS}
    return {c.series.bench: report.instruments.get(
        c.series.bench, SIMULATION if c.series.bench in simulated else TIME)
        for c in report.comparisons}


def to_json(report: ComparisonReport) -> dict[str, Any]:
    """The JSON contract of docs/json.md, as a plain dict other commands may extend."""
    measured_by = instruments(report)
    return {
        "version": JSON_VERSION,
        "status": report.status,
        "alpha": report.alpha,
        "benchmarks": [
            {
                "package": c.series.bench.package,
                "name": c.series.bench.name,
                "procs": c.series.bench.procs,
                "tags": list(c.series.bench.tags),
                "metric": c.series.unit,
                "better": "higher" if c.higher_is_better else "lower",
                "base": _summary_json(c.base),
                "head": _summary_json(c.head),
                "delta": finite(c.delta),
                "p": finite(c.p),
                "significant": c.significant,
                "verdict": c.verdict,
                "threshold": c.threshold,
                "allowed_by": c.allowed_by,
                "exact": c.exact,
                "instrument": measured_by[c.series.bench],
            }
            for c in report.comparisons
        ],
        "geomean": [
            {"metric": row.unit, "base": row.base, "head": row.head, "delta": row.delta,
             "count": row.count}
            for row in report.geomeans
        ],
        "warnings": list(report.warnings),
    }


def render_markdown(report: ComparisonReport) -> str:
    """GitHub-flavoured Markdown: a status line, a table per metric, then the warnings."""
    status = report.status
    lines = [f"**benchguard: {'❌ regression' if status == Status.REGRESSION else '✅ pass'}** "
             f"(alpha {report.alpha:g})", ""]
    by_unit: dict[str, list[Comparison]] = {}
    for comparison in report.comparisons:
        by_unit.setdefault(comparison.series.unit, []).append(comparison)
    packages = {c.series.bench.package for c in report.comparisons}
    geomeans = {row.unit: row for row in report.geomeans}
    for unit, group in by_unit.items():
        lines += [f"### {printable(unit)}", "", "| benchmark | base | head | delta | p | verdict |",
                  "|:--|--:|--:|--:|--:|:--|"]
        for c in group:
            name = bench_label(c)
            if len(packages) > 1 and c.series.bench.package:
                name = f"{printable(c.series.bench.package)}.{name}"
            if c.series.bench.tags:
                name += f" [{printable(tags_line(c.series.bench.tags))}]"
            scale = units.common_scale([s.center for s in (c.base, c.head) if s is not None],
                                       unit)
            cells = [f"{scale.format(s.center)} ± {units.range_percent(s)}" if s else "—"
                     for s in (c.base, c.head)]
            delta = format_delta(c, report.alpha) or "—"
            p = f"{c.p:.3f}" if c.p is not None else "—"
            verdict = verdict_text(c)
            if c.verdict == Verdict.REGRESSION and c.allowed_by is None:
                verdict = f"**{verdict}**"
            lines.append(f"| `{name}` | {cells[0]} | {cells[1]} | {delta} | {p} | {verdict} |")
        row = geomeans.get(unit)
        if row is not None:
            delta = units.percent(row.delta) if row.delta is not None else "?"
            base = units.format_value(row.base, unit) if row.base is not None else "?"
            head = units.format_value(row.head, unit) if row.head is not None else "?"
            lines.append(f"| geomean | {base} | {head} | {delta} | | |")
        lines.append("")
    if report.warnings:
        lines += ["**Warnings**", ""]
        lines += [f"- {printable(warning)}" for warning in report.warnings]
        lines.append("")
    return "\n".join(lines)
