"""What the notes hold and what was done to them, as text and JSON: a baseline's summary (one
benchstat column per package and unit), the machine a record was measured on, a sync."""

from __future__ import annotations

from typing import Any

from benchguard.config import Config
from benchguard.engine import stats
from benchguard.engine.benchfmt import BenchmarkSet
from benchguard.engine.names import tags_line
from benchguard.engine.units import format_value, range_percent
from benchguard.reports.table import finite
from benchguard.store.sync import Synced, SyncOutcome
from benchguard.style import printable
from benchguard.tools.go import Fingerprint


def recorded_message(settings: Config, commit: str, fingerprint: Fingerprint) -> str:
    return (f"recorded a baseline for {commit[:12]} in {settings.notes_ref} "
            f"({describe_fingerprint(fingerprint)})")


def describe_fingerprint(fingerprint: Fingerprint) -> str:
    return printable(f"{fingerprint.goos}/{fingerprint.goarch}, {fingerprint.go_version}, "
                     f"GOMAXPROCS={fingerprint.gomaxprocs}, {fingerprint.cpu}")


def render_summary(benchmarks: BenchmarkSet) -> str:
    """A benchstat-style single column per package and unit: each benchmark's median ± its 95%
    confidence interval, as `benchstat` prints one file."""

    builds: dict[tuple[str, tuple[str, ...]], dict[str, list[tuple[str, list[float]]]]] = {}
    for key, values in benchmarks.samples.items():
        if values:
            label = printable(key.bench.short_label)
            units = builds.setdefault((key.bench.package, key.bench.tags), {})
            units.setdefault(printable(key.unit), []).append((label, values))
    blocks = []
    for (package, tags), units in builds.items():
        lines = [f"pkg: {printable(package)}"] if package else []
        if tags:
            lines.append(printable(tags_line(tags)))
        header = len(lines)
        for unit, rows in units.items():
            summaries = [(label, stats.summarize(values)) for label, values in rows]
            # each value on its own scale, as benchstat scales each row of one file
            cells = [(label, f"{format_value(summary.center, unit)} ± {range_percent(summary)}")
                     for label, summary in summaries]
            name_width = max(len(label) for label, _ in cells)
            cell_width = max(len(unit), *(len(cell) for _, cell in cells)) + 2
            if len(lines) > header:
                lines.append("")
            lines.append(f"{'':{name_width}} │{unit:^{cell_width}}│")
            lines += [f"{label:<{name_width}}  {cell:>{cell_width - 1}}" for label, cell in cells]
        blocks.append("\n".join(lines))
    return "".join(block + "\n\n" for block in blocks)


def summary_json(benchmarks: BenchmarkSet) -> list[dict[str, Any]]:
    """render_summary's numbers for scripts (docs/json.md, "show")."""

    rows = []
    for key, values in benchmarks.samples.items():
        summary = stats.summarize(values) if values else None
        rows.append({
            "package": key.bench.package, "name": key.bench.name, "procs": key.bench.procs,
            "tags": list(key.bench.tags), "unit": key.unit, "n": len(values), "values": values,
            "center": summary.center if summary else None,
            "low": finite(summary.low) if summary else None,
            "high": finite(summary.high) if summary else None,
        })
    return rows


def sync_summary(synced: Synced) -> str:
    if synced.outcome == SyncOutcome.NOTHING:
        return f"no notes in {synced.ref} here or on {synced.remote}; nothing to sync"
    return f"notes in {synced.ref} synced with {synced.remote}"


def sync_json(synced: Synced) -> dict[str, Any]:
    """docs/json.md, "sync"."""
    return {"remote": synced.remote, "ref": synced.ref, "outcome": str(synced.outcome),
            "tip": synced.tip, "retries": synced.retries}
