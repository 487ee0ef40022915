"""`history --plot`: a line chart per benchmark as a hand-written SVG (no plotting dependency:
a pre-push hook must stay small), its steps marked on the points and its change points as dashed
lines before the commit each names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from benchguard.engine.status import Verdict
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.reports.history import format_value, percent
from benchguard.store.history import Timeline
from benchguard.style import printable

WIDTH = 820
PANEL = 280
LEFT, RIGHT, TOP, BOTTOM = 90, 30, 44, 74
LINE, STEP_UP, STEP_DOWN = "#1f6feb", "#cf222e", "#1a7f37"
CHANGE, DRIFT = "#9a6700", "#8c959f"


def check(path: Path) -> None:
    if path.suffix.lower() != ".svg":
        raise BenchguardError(f"--plot {path}: only SVG charts can be written (name the file "
                              "*.svg; any browser opens it)", exit_code=EXIT_USAGE)


def write(path: Path, series: Sequence[Timeline]) -> None:
    check(path)
    path.write_text(svg(series), encoding="utf-8")


def svg(series: Sequence[Timeline]) -> str:
    height = PANEL * max(1, len(series))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    for index, one in enumerate(series):
        parts += _panel(one, index * PANEL)
    if not series:
        parts.append(f'<text x="{WIDTH / 2}" y="{PANEL / 2}" text-anchor="middle">'
                     "no baselined commits match</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class _Frame:
    """Where one panel's plot area sits, and the values its axes span."""

    x0: float
    x1: float
    y0: float  # the bottom of the plot area
    y1: float
    low: float
    high: float
    count: int  # points along the x axis

    def x(self, index: int) -> float:
        if self.count == 1:
            return (self.x0 + self.x1) / 2
        return self.x0 + index * (self.x1 - self.x0) / (self.count - 1)

    def y(self, value: float) -> float:
        return self.y0 - (value - self.low) / (self.high - self.low) * (self.y0 - self.y1)


def _panel(one: Timeline, top: float) -> list[str]:
    values = [point.summary.center for point in one.points]
    finite = [value for value in values if math.isfinite(value)] or [0.0]
    ticks = nice_ticks(min(finite), max(finite))
    frame = _Frame(LEFT, WIDTH - RIGHT, top + PANEL - BOTTOM, top + TOP, ticks[0], ticks[-1],
                   len(values))
    return ["<g>", *_axes(one, top, frame, ticks), *_change_points(one, frame),
            *_points(one, frame), "</g>"]


def _axes(one: Timeline, top: float, frame: _Frame, ticks: list[float]) -> list[str]:
    """The title, the axes with their ticks, and the commits under the x axis."""
    x0, x1, y0, y1 = frame.x0, frame.x1, frame.y0, frame.y1
    # printable: control characters are not even allowed in XML
    title = printable(f"{one.label} — {one.bench.package} — {one.metric}")
    out = [f'<text x="{x0}" y="{top + 24}" font-size="14" font-weight="bold">'
           f"{escape(title)}</text>",
           f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/>',
           f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>']
    for tick in ticks:
        ty = frame.y(tick)
        out.append(f'<line x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{ty + 4:.1f}" text-anchor="end">'
                   f"{escape(_tick_label(tick, one.metric))}</text>")
    out.append(f'<text x="16" y="{(y0 + y1) / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(y0 + y1) / 2:.1f})">'
               f"{escape(printable(one.metric))}</text>")
    every = max(1, math.ceil(frame.count / 30))
    for index, point in enumerate(one.points):
        if index % every == 0 or point.step:
            lx, ly = frame.x(index), y0 + 12
            out.append(f'<text x="{lx:.1f}" y="{ly}" text-anchor="end" font-family="monospace" '
                       f'transform="rotate(-45 {lx:.1f} {ly})">{point.commit.sha[:7]}</text>')
    return out


def _points(one: Timeline, frame: _Frame) -> list[str]:
    """The line through the medians, and a dot per commit (larger and labelled at a step)."""
    x, y = frame.x, frame.y
    values = [point.summary.center for point in one.points]
    coordinates = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values)
                           if math.isfinite(v))
    out = [f'<polyline points="{coordinates}" fill="none" stroke="{LINE}" stroke-width="2"/>']
    for index, point in enumerate(one.points):
        value = point.summary.center
        if not math.isfinite(value):
            continue
        tip = f"{point.commit.sha[:12]} {point.commit.date} {format_value(value, one.metric)}"
        if point.step:
            worse = point.verdict == Verdict.REGRESSION
            colour = STEP_UP if worse else STEP_DOWN
            change = f"{point.change * 100:+.1f}%" if point.change is not None else point.verdict
            out.append(f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="6" fill="{colour}">'
                       f"<title>{escape(tip)} {escape(str(point.verdict))}</title></circle>")
            out.append(f'<text x="{x(index):.1f}" y="{y(value) - 10:.1f}" text-anchor="middle" '
                       f'fill="{colour}" font-weight="bold">{escape(str(change))}</text>')
        else:
            out.append(f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" '
                       f'fill="{LINE}"><title>{escape(tip)}</title></circle>')
    return out


def _change_points(one: Timeline, frame: _Frame) -> list[str]:
    """A dashed line between the commit before each change point and the commit it names, with
    its change and interval above the plot (grey for drift)."""
    out = []
    for change in one.changes:
        index = change.index
        x = (frame.x(index - 1) + frame.x(index)) / 2 if index else frame.x(index)
        colour = DRIFT if change.drift else CHANGE
        commit = one.points[index].commit
        label = (f"{'≈ drift ' if change.drift else '◆ '}{percent(change.change)} "
                 f"[{percent(change.low)}, {percent(change.high)}]")
        tip = f"change point at {commit.sha[:12]} {commit.date}: {label}"
        out.append(f'<line x1="{x:.1f}" y1="{frame.y0}" x2="{x:.1f}" y2="{frame.y1 - 4}" '
                   f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="5,4">'
                   f"<title>{escape(printable(tip))}</title></line>")
        out.append(f'<text x="{x + 3:.1f}" y="{frame.y1 - 6}" fill="{colour}" '
                   f'font-size="10">{escape(label)}</text>')
    return out


def _tick_label(value: float, metric: str) -> str:
    """"80.00µ" reads better as "80µ" on an axis."""
    text = format_value(value, metric)
    digits = text.rstrip("TGMkmµnKi")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits + text[len(text.rstrip("TGMkmµnKi")):]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], from 0 when the data is near it."""
    if high == low:
        spread = abs(high) * 0.1 or 1.0
        low, high = low - spread, high + spread
    if low > 0 and low < (high - low):
        low = 0.0
    raw = (high - low) / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks
