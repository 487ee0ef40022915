"""`benchguard history` as people, scripts and spreadsheets read it: a sparkline and a table per
benchmark with its significant steps and its change points marked, JSON (docs/json.md) and
CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine import units
from benchguard.engine.benchfmt import tidy_unit
from benchguard.engine.changepoints import ChangePoint
from benchguard.engine.names import tags_line
from benchguard.engine.stats import Summary
from benchguard.reports.table import finite
from benchguard.store.history import SPARKS, ChangeAt, Point, Timeline, changes_of
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
        if one.changes:
            lines.append("  " + "".join(_change_mark(one.change_at(index))
                                        for index in range(len(one.points))).rstrip()
                         + "  ← change points" + (" (~: drift)" if any(
                             change.drift for change in one.changes) else ""))
        lines.append("")
        cells = [f"{format_value(point.summary.center, one.metric)} ± {_range(point.summary)}"
                 for point in one.points]
        marks = ["; ".join(mark for mark in (_mark(point), change_text(one.change_at(index),
                                                                      point.gap)) if mark)
                 for index, point in enumerate(one.points)]
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


def _change_mark(change: ChangePoint | None) -> str:
    return " " if change is None else "~" if change.drift else "|"


def change_text(change: ChangePoint | None, gap: int = 0) -> str:
    """A change point as a row shows it: "◆ change point +20.1% (95% interval +18.0% to
    +22.3%)", or a drift's slice of it; "" for none."""
    if change is None:
        return ""
    what = "≈ drift, a slice of" if change.drift else "◆ change point"
    where = f", here or in the {plural(gap, 'commit')} before it with no data" if gap else ""
    return f"{what} {percent(change.change)} (95% interval {percent(change.low)} to " \
        f"{percent(change.high)}){where}"


def percent(change: float) -> str:
    return f"{change * 100:+.1f}%" if math.isfinite(change) else ("+∞" if change > 0 else "-∞")


def change_json(change: ChangePoint) -> dict[str, Any]:
    """A change point's numbers (docs/json.md, "history")."""
    return {"change": finite(change.change), "interval": [finite(change.low),
                                                          finite(change.high)],
            "p": change.p, "before": finite(change.before), "after": finite(change.after),
            "drift": change.drift}


def _range(summary: Summary) -> str:
    return units.range_percent(summary)


def to_json(series: Sequence[Timeline], *, rev: str, metric: str, any_machine: bool,
            warnings: Sequence[str]) -> dict[str, Any]:
    """`history --format json` (docs/json.md)."""
    return {"version": JSON_VERSION, "rev": rev, "metric": metric, "any_machine": any_machine,
            "rows": to_rows(series), "change_points": change_points_json(series),
            "warnings": list(warnings)}


def change_points_json(series: Sequence[Timeline]) -> list[dict[str, Any]]:
    """Every change point of ``series``, oldest first within each benchmark."""
    return [changed_json(one) for one in changes_of(series)]


def changed_json(found: ChangeAt) -> dict[str, Any]:
    """A change point with its benchmark and commit (docs/json.md, "history")."""
    bench, commit = found.timeline.bench, found.point.commit
    return {"commit": commit.sha, "date": commit.date, "subject": commit.subject,
            "package": bench.package, "name": bench.name, "procs": bench.procs,
            "tags": list(bench.tags), "metric": found.timeline.metric,
            **change_json(found.change), "without_data_before": found.point.gap}


def changed_line(found: ChangeAt, *, markdown: bool = False) -> str:
    """A change point in one line: its benchmark and metric, what changed and where."""
    bench, commit = found.timeline.bench, found.point.commit
    name = f"{bench.package}.{bench.label}"
    sha = f"`{commit.sha[:12]}`" if markdown else commit.sha[:12]
    shown = f"`{name}`" if markdown else name
    return printable(f"{shown} {found.timeline.metric}: "
                     f"{change_text(found.change, found.point.gap)} at {sha} "
                     f"{commit.subject[:60]!r} ({commit.date})")


def to_rows(series: Sequence[Timeline]) -> list[dict[str, Any]]:
    rows = []
    for one in series:
        for index, point in enumerate(one.points):
            change = one.change_at(index)
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
                "change_point": None if change is None else change_json(change),
            })
    return rows


def render_csv(series: Sequence[Timeline]) -> str:
    """Data, as stored: no escaping (names, packages and units cannot hold control characters,
    records.decode sees to that; a subject is the commit's own)."""

    buffer = io.StringIO()
    fields = ["commit", "date", "package", "name", "procs", "tags", "metric", "median", "low",
              "high", "n", "change", "p", "verdict", "step", "without_data_before",
              "change_point", "change_point_low", "change_point_high", "drift", "subject"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in to_rows(series):
        row["tags"] = ",".join(row["tags"])
        found = row.pop("change_point")
        row.update({"change_point": None, "change_point_low": None, "change_point_high": None,
                    "drift": None} if found is None else
                   {"change_point": found["change"], "change_point_low": found["interval"][0],
                    "change_point_high": found["interval"][1], "drift": found["drift"]})
        writer.writerow({key: "" if row[key] is None else row[key] for key in fields})
    return buffer.getvalue()
