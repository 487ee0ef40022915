"""Presenting a ComparisonReport: benchstat-like text, JSON (docs/json.md), Markdown."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from typing import Any

from benchguard import output
from benchguard.stats import Summary
from benchguard.verdict import (
    IMPROVEMENT,
    INSUFFICIENT,
    MISSING,
    NEW,
    REGRESSION,
    VERDICTS,
    Comparison,
    ComparisonReport,
    GeomeanRow,
    Status,
    geomean_rows,
)

_VERDICT_COLOURS = {REGRESSION: "red", IMPROVEMENT: "green", INSUFFICIENT: "yellow",
                    NEW: "yellow", MISSING: "yellow"}


# Number formatting, as benchunit.CommonScale/Scaler.Format: at least three significant digits
# with an SI prefix, or an IEC prefix for byte units.
def _thresholds(exponent: int, binary: bool) -> tuple[float, float, float]:
    if binary:
        scale = 2.0 ** exponent
        return 99.995 * scale, 9.9995 * scale, 0.99995 * scale
    return (float(f"99.995e{exponent}"), float(f"9.9995e{exponent}"),
            float(f".99995e{exponent}"))


_SI = [(10.0 ** e, p, _thresholds(e, False))
       for e, p in zip(range(12, -10, -3), ["T", "G", "M", "k", "", "m", "µ", "n"], strict=True)]
_IEC = [(2.0 ** e, p, _thresholds(e, True))
        for e, p in zip(range(40, -1, -10), ["Ti", "Gi", "Mi", "Ki", ""], strict=True)]
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]


def _ladder(factors: list[tuple[float, str, tuple[float, float, float]]]
            ) -> tuple[list[float], list[tuple[int, float, str]]]:
    # Every threshold in descending order (negated, for bisect) with the scale it selects.
    negated, scales = [], []
    for factor, prefix, thresholds in factors:
        for precision, threshold in enumerate(thresholds, 1):
            negated.append(-threshold)
            scales.append((precision, factor, prefix))
    return negated, scales


_LADDERS = {False: _ladder(_SI), True: _ladder(_IEC)}
_UNIT_TOKEN = re.compile(r"[^*/\-\s]+|[*/]")


def _is_binary(unit: str) -> bool:
    denominator = False
    for token in _UNIT_TOKEN.findall(unit):
        if token in "*/":
            denominator = token == "/"
        elif token in ("B", "MB", "bytes") and not denominator:
            return True
    return False


def _scaler(values: list[float], unit: str, binary: bool | None = None) -> tuple[int, float, str]:
    """The scale that shows every value with at least three significant digits."""
    smallest = min((abs(v) for v in values if v != 0 and math.isfinite(v)), default=0.0)
    return _scale_for(smallest, _is_binary(unit) if binary is None else binary)


def _scale_for(smallest: float, binary: bool) -> tuple[int, float, str]:
    """benchunit.CommonScale, given the non-zero magnitude closest to zero (0 if none)."""
    if smallest == 0:
        return 3, 1.0, ""
    negated, scales = _LADDERS[binary]
    index = bisect_left(negated, -smallest)
    if index < len(scales):
        return scales[index]
    factors = _IEC if binary else _SI
    factor, prefix = factors[-1][0], factors[-1][1]
    scaled = smallest / factor
    for i, threshold in enumerate(_SIGFIGS):
        if scaled >= threshold or i == len(_SIGFIGS) - 1:
            return i + 3, factor, prefix
    raise AssertionError("unreachable")  # pragma: no cover


def _format(value: float, scale: tuple[int, float, str]) -> str:
    precision, factor, prefix = scale
    return f"{value / factor:.{precision}f}{prefix}"


def range_percent(summary: Summary) -> str:
    """benchstat's "± x%" half-width: ∞ when the interval is unbounded."""
    center, low, high = summary.center, summary.low, summary.high
    if low == high:  # a constant metric (allocs/op): width 0, whatever its sign
        return "∞" if math.isinf(low) else "0%"
    if low == -math.inf or high == math.inf:
        return "∞"
    sign = (center > 0) - (center < 0)
    if (low > 0) - (low < 0) != sign or (high > 0) - (high < 0) != sign:
        return "?"
    if summary.center == 0:
        return "0%"
    width = max(summary.high / summary.center - 1, 1 - summary.low / summary.center)
    return f"{100 * width:.0f}%"


def format_delta(comparison: Comparison, alpha: float) -> str:
    if comparison.p is None:
        return ""
    if comparison.p > alpha:
        return "~"
    if comparison.delta is None:
        return "?"
    if comparison.delta == 0:
        return "0.00%"
    return f"{comparison.delta * 100:+.2f}%"


def format_test(comparison: Comparison) -> str:
    assert comparison.base is not None and comparison.head is not None
    n1, n2 = comparison.base.n, comparison.head.n
    sizes = f"n={n1}" if n1 == n2 else f"n={n1}+{n2}"
    # benchstat leaves out a p-value that underflowed to exactly 0
    return f"(p={comparison.p:.3f} {sizes})" if comparison.p else f"({sizes})"


def bench_label(comparison: Comparison) -> str:
    return comparison.series.bench.short_label


def verdict_text(comparison: Comparison) -> str:
    if comparison.allowed_by is not None:
        return f"{comparison.verdict} (allowed: {comparison.allowed_by})"
    return comparison.verdict


def _groups(report: ComparisonReport) -> dict[tuple[str, str], list[Comparison]]:
    groups: dict[tuple[str, str], list[Comparison]] = {}
    for comparison in report.comparisons:
        key = (comparison.series.bench.package, comparison.series.unit)
        groups.setdefault(key, []).append(comparison)
    return groups


def render_text(report: ComparisonReport, *, colour: bool) -> str:
    """A benchstat-style table per package and metric, with a verdict column."""
    lines: list[str] = []
    groups = _groups(report)
    # a package's tables together, packages in order of first appearance
    package_order: dict[str, int] = {}
    for package, _ in groups:
        package_order.setdefault(package, len(package_order))
    known = {row.unit: row for row in report.geomeans} if len(package_order) == 1 else None
    last_package = None
    for (package, unit), group in sorted(groups.items(),
                                         key=lambda item: package_order[item[0][0]]):
        if package != last_package and package:
            if lines:
                lines.append("")
            lines.append(f"pkg: {package}")
            last_package = package
        elif lines:
            lines.append("")
        # per table, as benchstat's tables are per package
        geomean = known.get(unit) if known is not None else next(iter(geomean_rows(group)), None)
        lines.extend(_table(group, unit, report.alpha, geomean, colour))
    if not report.comparisons:
        lines.append("no benchmarks to compare")
    lines.append("")
    lines.append(_tally(report, colour))
    for warning in report.warnings:
        lines.append(output.paint(f"warning: {warning}", "yellow", enabled=colour))
    return "\n".join(lines) + "\n"


def _table(group: list[Comparison], unit: str, alpha: float, geomean: GeomeanRow | None,
           colour: bool) -> list[str]:
    binary = _is_binary(unit)
    rows: list[tuple[str, ...]] = []
    formats: dict[float, tuple[str, float]] = {}  # smallest median -> its "%.3fk"-like format
    # Constant metrics (allocs/op) share their Summary objects and repeat a few values over
    # thousands of rows: their cells are formatted once per distinct pair.
    exact_cells: dict[tuple[int, int, float | None, float | None, str], tuple[str, ...]] = {}
    for c in group:
        base, head = c.base, c.head
        hue = _VERDICT_COLOURS.get(c.verdict) if colour else None
        text = verdict_text(c)
        if c.exact:
            key = (id(base), id(head), c.p, c.delta, text)
            cells = exact_cells.get(key)
            if cells is not None:
                rows.append((bench_label(c), *cells))
                continue
        # the row's scale comes from its smaller non-zero median, as benchstat's RowScaler
        x = abs(base.center) if base else 0.0
        y = abs(head.center) if head else 0.0
        smallest = x if x and (x < y or not y) else y
        known = formats.get(smallest)
        if known is None:
            precision, factor, prefix = _scale_for(smallest, binary)
            known = formats[smallest] = (f"%.{precision}f{prefix}", factor)
        number, factor = known
        cells = (
            number % (base.center / factor) if base else "", "±" if base else "",
            range_percent(base) if base else "",
            number % (head.center / factor) if head else "", "±" if head else "",
            range_percent(head) if head else "",
            format_delta(c, alpha), format_test(c) if c.p is not None else "",
            output.paint(text, hue, enabled=True) if hue else text,
        )
        if c.exact:
            exact_cells[key] = cells
        rows.append((bench_label(c), *cells))
    if geomean is not None:
        base_gm = "?" if geomean.base is None else \
            _format(geomean.base, _scaler([geomean.base], unit, binary))
        head_gm = "?" if geomean.head is None else \
            _format(geomean.head, _scaler([geomean.head], unit, binary))
        delta = "?" if geomean.delta is None else f"{geomean.delta * 100:+.2f}%"
        rows.append(("geomean", base_gm, "", "", head_gm, "", "", delta, "", ""))
    w = [max(map(len, column)) for column in zip(*rows, strict=True)]
    base_width, head_width = w[1] + w[2] + w[3] + 2, w[4] + w[5] + w[6] + 2
    vs_width = w[7] + 1 + w[8]
    lines = [
        f"{'':<{w[0]}} │ {'base':^{base_width}} │ {'head':^{head_width + 2 + vs_width}} │",
        f"{'':<{w[0]}} │ {unit:^{base_width}} │ {unit:^{head_width}}  {'vs base':<{vs_width}} │"
        " verdict",
    ]
    # left-aligned names and p-values, right-aligned numbers; one % per row does the padding
    row_format = (f"%-{w[0]}s   %{w[1]}s %{w[2]}s %{w[3]}s   %{w[4]}s %{w[5]}s %{w[6]}s"
                  f"  %{w[7]}s %-{w[8]}s   %s")
    lines.extend(line.rstrip() for line in map(row_format.__mod__, rows))
    return lines


def _tally(report: ComparisonReport, colour: bool) -> str:
    counts = {verdict: 0 for verdict in VERDICTS}
    allowed = 0
    for comparison in report.comparisons:
        if comparison.verdict == REGRESSION and comparison.allowed_by is not None:
            allowed += 1
        else:
            counts[comparison.verdict] += 1
    parts = [f"{counts[v]} {v}" for v in VERDICTS if counts[v]]
    if allowed:
        parts.append(f"{allowed} allowed regression{'s' if allowed > 1 else ''}")
    status = report.status
    label = output.paint(status.upper(), "red" if status == Status.REGRESSION else "green",
                         enabled=colour)
    return f"{label}: {', '.join(parts) if parts else 'nothing compared'}"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _summary_json(summary: Summary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    bounded = math.isfinite(summary.low) and math.isfinite(summary.high)
    return {"median": _finite(summary.center), "n": summary.n,
            "ci": [summary.low, summary.high] if bounded else None}


def to_json(report: ComparisonReport) -> dict[str, Any]:
    """The JSON contract of docs/json.md, as a plain dict other commands may extend."""
    return {
        "status": report.status,
        "alpha": report.alpha,
        "benchmarks": [
            {
                "package": c.series.bench.package,
                "name": c.series.bench.name,
                "procs": c.series.bench.procs,
                "metric": c.series.unit,
                "better": "higher" if c.higher_is_better else "lower",
                "base": _summary_json(c.base),
                "head": _summary_json(c.head),
                "delta": _finite(c.delta),
                "p": _finite(c.p),
                "significant": c.significant,
                "verdict": c.verdict,
                "threshold": c.threshold,
                "allowed_by": c.allowed_by,
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
    lines = [f"**benchguard: {'❌ regression' if status == 'regression' else '✅ pass'}** "
             f"(alpha {report.alpha:g})", ""]
    by_unit: dict[str, list[Comparison]] = {}
    for comparison in report.comparisons:
        by_unit.setdefault(comparison.series.unit, []).append(comparison)
    packages = {c.series.bench.package for c in report.comparisons}
    geomeans = {row.unit: row for row in report.geomeans}
    for unit, group in by_unit.items():
        lines += [f"### {unit}", "", "| benchmark | base | head | delta | p | verdict |",
                  "|:--|--:|--:|--:|--:|:--|"]
        for c in group:
            name = bench_label(c)
            if len(packages) > 1 and c.series.bench.package:
                name = f"{c.series.bench.package}.{name}"
            scale = _scaler([s.center for s in (c.base, c.head) if s is not None], unit)
            cells = [f"{_format(s.center, scale)} ± {range_percent(s)}" if s else "—"
                     for s in (c.base, c.head)]
            delta = format_delta(c, report.alpha) or "—"
            p = f"{c.p:.3f}" if c.p is not None else "—"
            verdict = verdict_text(c)
            if c.verdict == REGRESSION and c.allowed_by is None:
                verdict = f"**{verdict}**"
            lines.append(f"| `{name}` | {cells[0]} | {cells[1]} | {delta} | {p} | {verdict} |")
        row = geomeans.get(unit)
        if row is not None:
            delta = f"{row.delta * 100:+.2f}%" if row.delta is not None else "?"
            base = _format(row.base, _scaler([row.base], unit)) if row.base is not None else "?"
            head = _format(row.head, _scaler([row.head], unit)) if row.head is not None else "?"
            lines.append(f"| geomean | {base} | {head} | {delta} | | |")
        lines.append("")
    if report.warnings:
        lines += ["**Warnings**", ""]
        lines += [f"- {warning}" for warning in report.warnings]
        lines.append("")
    return "\n".join(lines)
