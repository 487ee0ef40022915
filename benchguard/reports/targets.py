"""[[target]]s as people and scripts read them: a table of each benchmark against its limit,
as text and Markdown, and JSON (docs/json.md)."""

from __future__ import annotations

import math
from typing import Any

from benchguard.config import TARGET_METRICS, Target
from benchguard.engine import units
from benchguard.push.targets import Evaluation, TargetResult
from benchguard.store.overrides import push_anyway
from benchguard.style import paint

# How each limit reads to a person: its unit and the comparison it makes.
_UNITS = {"min_ops_per_sec": "ops/sec", "max_ns_per_op": "ns/op", "max_bytes_per_op": "B/op",
          "max_allocs_per_op": "allocs/op", "min_bytes_per_sec": "B/s"}


def format_number(value: float, unit: str) -> str:
    """Three significant digits with an SI (or, for bytes, IEC) prefix, as benchstat prints."""

    return f"{units.format_value(value, unit)} {unit}"


def format_ns(seconds: float) -> str:
    """sec/op as `go test` prints it, in ns/op."""
    ns = seconds * 1e9
    return f"{ns:,.0f} ns/op" if ns >= 1000 else f"{ns:.4g} ns/op"


def describe_value(result: TargetResult) -> str:
    """The measured value in the target's unit, with ns/op beside ops/s."""
    if result.target.metric == "max_ns_per_op":
        return format_ns(result.value * 1e-9)
    text = format_number(result.value, _UNITS[result.target.metric])
    if result.target.metric == "min_ops_per_sec" and result.seconds_per_op is not None:
        text += f" ({format_ns(result.seconds_per_op)})"
    return text


def describe_limit(target: Target) -> str:
    sign = "≥" if TARGET_METRICS[target.metric][2] else "≤"
    if target.metric == "max_ns_per_op":
        return f"{sign} {format_ns(target.limit * 1e-9)}"
    return f"{sign} {compact(target.limit, _UNITS[target.metric])}"


def compact(value: float, unit: str) -> str:
    """A number a person wrote or counts: "500M ops/sec", "2 allocs/op", "1.5Ki B/op"."""
    if float(value).is_integer() and abs(value) < 10000:
        return f"{int(value)} {unit}"
    number, _, rest = format_number(value, unit).partition(" ")
    digits = number.rstrip("KMGTPEkmunµi")
    prefix = number[len(digits):]
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return f"{digits}{prefix} {rest}"


def mark(result: TargetResult) -> str:
    return "✓" if result.met else "✗"


def render_text(evaluation: Evaluation, *, colour: bool = False, hint: bool = True
                ) -> list[str]:
    if not evaluation.results:
        return []
    rows = []
    for result in evaluation.results:
        rows.append((mark(result), result.name, describe_value(result),
                     f"target {describe_limit(result.target)}", _note(result)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["", "targets:"]
    for row, result in zip(rows, evaluation.results, strict=True):
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        line = f"  {cells}  {row[4]}".rstrip()
        hue = "green" if result.met else "red" if result.blocking else "yellow"
        lines.append(paint(line, hue, enabled=colour))
    blocking = evaluation.blocking
    if blocking and hint:
        lines.append(push_anyway(result.bench.name for result in blocking))
    return lines


def render_markdown(evaluation: Evaluation) -> list[str]:
    if not evaluation.results:
        return []
    lines = ["", "| | benchmark | measured | target | |", "|:-:|:--|--:|:--|:--|"]
    lines += [f"| {mark(r)} | `{r.name}` | {describe_value(r)} | {describe_limit(r.target)} | "
              f"{_note(r)} |" for r in evaluation.results]
    return lines


def _note(result: TargetResult) -> str:
    if result.met:
        return ""
    if result.allowed_by is not None:
        return f"missed, allowed by {result.allowed_by!r}"
    return "missed (enforced)" if result.target.enforce else "missed (report only)"


def to_json(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [{"package": r.bench.package, "name": r.bench.name, "procs": r.bench.procs,
             "tags": list(r.bench.tags),
             "target": r.target.bench, "metric": r.target.metric, "limit": r.target.limit,
             "value": r.value if math.isfinite(r.value) else None,
             "sec_per_op": r.seconds_per_op, "met": r.met, "enforce": r.target.enforce,
             "allowed_by": r.allowed_by}
            for r in evaluation.results]
