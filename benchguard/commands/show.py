"""`benchguard show [REV]`: the baselines (per machine) and overrides stored for a commit."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchguard.go import Fingerprint
    from benchguard.notes import Record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the commit to show (default: HEAD)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default), json for scripts")


def run(args: argparse.Namespace) -> int:
    from benchguard import config, git, notes, output

    repo = git.toplevel()
    settings = config.load(repo, Path(args.config) if args.config else None)
    store = notes.NotesStore(repo, settings.notes_ref)
    commit = git.resolve(repo, args.rev)
    records, warnings = store.read(commit)
    groups = _by_fingerprint(records)
    overrides = [record for record in records if record.kind == "override"]
    here = _this_machine()
    if args.format == "json":
        print(json.dumps(_json(commit, settings.notes_ref, groups, overrides, here, warnings),
                         indent=2, sort_keys=True))
        return 0
    for warning in warnings:
        output.warn(warning)
    print(_text(commit, settings.notes_ref, groups, overrides, here), end="")
    return 0


def _by_fingerprint(records: list[Record]) -> dict[Fingerprint, list[Record]]:
    groups: dict[Fingerprint, list[Record]] = {}
    for record in records:
        if record.kind == "baseline" and record.fingerprint is not None:
            groups.setdefault(record.fingerprint, []).append(record)
    return groups


def _this_machine() -> Fingerprint | None:
    from benchguard import go
    from benchguard.errors import BenchguardError

    try:
        return go.fingerprint()
    except BenchguardError:
        return None  # no go here: show what is stored anyway


def _text(commit: str, ref: str, groups: dict[Fingerprint, list[Record]],
          overrides: list[Record], here: Fingerprint | None) -> str:
    from benchguard import results
    from benchguard.commands.baseline import describe_fingerprint, render_summary

    if not groups and not overrides:
        return f"no benchguard notes on {commit[:12]} in {ref}\n"
    lines = [f"commit {commit}  ({ref})", ""]
    for fingerprint, records in groups.items():
        mark = "  (this machine)" if fingerprint == here else ""
        runs = "1 run" if len(records) == 1 else f"{len(records)} runs"
        lines.append(f"baseline on {describe_fingerprint(fingerprint)}{mark}: {runs}")
        for record in records:
            settings = record.settings
            moved = f", measured at {record.commit[:12]}" if record.commit != commit else ""
            lines.append(f"  {record.date}  count {settings.get('count', '?')}, benchtime "
                         f"{settings.get('benchtime', '?')}, benchguard {record.version}{moved}")
        lines.append("")
        merged = results.merge(record.samples for record in records if record.samples)
        lines.append(render_summary(merged))
    for record in overrides:
        override = record.override or {}
        names = ", ".join(override.get("benchmarks") or []) or "no benchmark named"
        lines.append(f"override by {override.get('user', '?')} on {record.date}: "
                     f"pattern {override.get('pattern')!r} ({names})")
        lines.append(f"  reason: {override.get('reason', '')}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _json(commit: str, ref: str, groups: dict[Fingerprint, list[Record]],
          overrides: list[Record], here: Fingerprint | None,
          warnings: list[str]) -> dict[str, Any]:
    from benchguard import results, stats

    baselines = []
    for fingerprint, records in groups.items():
        merged = results.merge(record.samples for record in records if record.samples)
        benchmarks = []
        for key, values in merged.samples.items():
            summary = stats.summarize(values) if values else None
            benchmarks.append({
                "package": key.bench.package, "name": key.bench.name, "procs": key.bench.procs,
                "unit": key.unit, "n": len(values), "values": values,
                "center": summary.center if summary else None,
                "low": _finite(summary.low) if summary else None,
                "high": _finite(summary.high) if summary else None,
            })
        baselines.append({
            "fingerprint": dataclasses.asdict(fingerprint),
            "this_machine": fingerprint == here,
            "runs": [{"commit": record.commit, "date": record.date, "version": record.version,
                      "settings": record.settings} for record in records],
            "benchmarks": benchmarks,
        })
    return {
        "commit": commit, "ref": ref, "baselines": baselines,
        "overrides": [{"date": record.date, **(record.override or {})} for record in overrides],
        "warnings": warnings,
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
