"""`benchguard history` as people, scripts and spreadsheets read it: a sparkline and a table per
benchmark with its significant steps marked, JSON (docs/json.md) and CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine import units
from benchguard.engine.benchfmt import tidy_unit
from benchguard.engine.names import tags_line
from benchguard.engine.stats import Summary
from benchguard.reports.table import finite
from benchguard.store.history import SPARKS, Point, Timeline
from benchguard.style import plural, printable


def sparkline(values: Sequence[float]) -> str:
    finite = [value for value in values if math.isfinite(value)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    if high == low:
        return SPARKS[0] * len(values)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((value - low) / (high - low) * top)] if math.isfinite(value)
                   else " " for value in values)


def format_value(value: float, metric: str) -> str:
    if not math.isfinite(value):
        return "∞"
    # "MB/s" already counts in decimal megabytes: 2000 of them are 2.000k, not 1.953Ki
    binary = False if tidy_unit(metric)[1] != 1.0 else None
    return units.format_value(value, metric, binary=binary)


def render_text(series: Sequence[Timeline]) -> str:
    blocks = []
    for one in series:
        values = [point.summary.center for point in one.points]
        first, last = values[0], values[-1]
        change = f" ({(last / first - 1) * 100:+.1f}%)" if first else ""
        tags = f" [{tags_line(one.bench.tags)}]" if one.bench.tags else ""
        lines = [f"{printable(one.label)}  {printable(one.bench.package + tags)}  "
                 f"{printable(one.metric)}, {len(values)} commit"
                 f"{'' if len(values) == 1 else 's'}",
                 f"  {sparkline(values)}  {format_value(first, one.metric)} → "
                 f"{format_value(last, one.metric)}{change}"]
        if any(point.step for point in one.points):
            lines.append("  " + "".join("^" if point.step else " " for point in one.points)
                         .rstrip() + "  ← significant changes")
        lines.append("")
        cells = [f"{format_value(point.summary.center, one.metric)} ± {_range(point.summary)}"
                 for point in one.points]
        marks = [_mark(point) for point in one.points]
        cell_width = max(map(len, cells))
        mark_width = max(map(len, marks))
        for point, cell, mark in reversed(list(zip(one.points, cells, marks, strict=True))):
            lines.append(f"  {point.commit.sha[:12]}  {point.commit.date}  {cell:>{cell_width}}  "
                         f"{mark:<{mark_width}}  {printable(point.commit.subject[:50])}"
                         .rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _mark(point: Point) -> str:
    if not point.step:
        return ""
    arrow = "▲" if (point.change or 0) > 0 else "▼"
    change = f"{point.change * 100:+.1f}% " if point.change is not None else ""
    p = f" (p={point.p:.3f})" if point.p is not None else ""
    # the commit that made it may be one of those before it without data
    where = f", here or in the {plural(point.gap, 'commit')} before it with no data" \
        if point.gap else ""
    return f"{arrow} {change}{point.verdict}{p}{where}"


def _range(summary: Summary) -> str:
    return units.range_percent(summary)


def to_json(series: Sequence[Timeline], *, rev: str, metric: str, any_machine: bool,
            warnings: Sequence[str]) -> dict[str, Any]:
    """`history --format json` (docs/json.md)."""
    return {"version": JSON_VERSION, "rev": rev, "metric": metric, "any_machine": any_machine,
            "rows": to_rows(series), "warnings": list(warnings)}


def to_rows(series: Sequence[Timeline]) -> list[dict[str, Any]]:
    rows = []
    for one in series:
        for point in one.points:
            rows.append({
                "commit": point.commit.sha, "date": point.commit.date,
                "subject": point.commit.subject, "package": one.bench.package,
                "name": one.bench.name, "procs": one.bench.procs,
                "tags": list(one.bench.tags), "metric": one.metric,
                "median": finite(point.summary.center), "low": finite(point.summary.low),
                "high": finite(point.summary.high), "n": point.summary.n,
                "change": finite(point.change), "p": finite(point.p),
                "verdict": point.verdict, "step": point.step,
                "without_data_before": point.gap,
            })
    return rows


def render_csv(series: Sequence[Timeline]) -> str:
    """Data, as stored: no escaping (names, packages and units cannot hold control characters,
    records.decode sees to that; a subject is the commit's own)."""

    buffer = io.StringIO()
    fields = ["commit", "date", "package", "name", "procs", "tags", "metric", "median", "low",
              "high", "n", "change", "p", "verdict", "step", "without_data_before", "subject"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in to_rows(series):
        row["tags"] = ",".join(row["tags"])
        writer.writerow({key: "" if row[key] is None else row[key] for key in fields})
    return buffer.getvalue()
