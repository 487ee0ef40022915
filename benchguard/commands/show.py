"""`benchguard show [REV]`: the baselines (per machine) and overrides stored for a commit.

Each machine's numbers are the samples a check on that machine compares with
(notes.baseline_samples): per benchmark, its newest run. Everything stored is input from other
people, so every piece of text is escaped (style.printable) before it reaches the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from benchguard import JSON_VERSION
from benchguard.commands import add_format, output, repository
from benchguard.engine.names import run_name
from benchguard.errors import BenchguardError
from benchguard.reports.notes import describe_fingerprint, render_summary, summary_json
from benchguard.store import notes
from benchguard.store.notes import Kind, baseline_samples, baseline_sources
from benchguard.style import printable
from benchguard.tools import git, go

if TYPE_CHECKING:
    from benchguard.store.notes import Record
    from benchguard.tools.go import Fingerprint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the commit to show (default: HEAD)")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    store = notes.NotesStore(repo, settings.notes_ref)
    commit = git.resolve(repo, args.rev)
    records, warnings = store.read(commit)
    groups = _by_fingerprint(records)
    overrides = [record for record in records if record.kind == notes.Kind.OVERRIDE]
    unchecked = [record for record in records if record.kind == notes.Kind.UNCHECKED]
    here = _this_machine()
    for warning in warnings:
        output.warn(warning)
    if args.format == "json":
        print(json.dumps(_json(commit, settings.notes_ref, groups, overrides, unchecked, here,
                               warnings), indent=2, sort_keys=True))
        return 0
    print(_text(commit, settings.notes_ref, groups, overrides, unchecked, here), end="")
    return 0


def _by_fingerprint(records: list[Record]) -> dict[Fingerprint, list[Record]]:
    groups: dict[Fingerprint, list[Record]] = {}
    for record in records:
        if record.kind == Kind.BASELINE and record.fingerprint is not None:
            groups.setdefault(record.fingerprint, []).append(record)
    return groups


def _this_machine() -> Fingerprint | None:
    try:
        return go.fingerprint()
    except BenchguardError:
        return None  # no go here: show what is stored anyway


def _used(records: list[Record], fingerprint: Fingerprint) -> list[bool]:
    """Per run: whether a check on its machine takes any benchmark from it."""

    sources = baseline_sources(records, fingerprint)
    chosen = {id(record) for record in sources.values()}
    return [id(record) in chosen for record in records]


def _text(commit: str, ref: str, groups: dict[Fingerprint, list[Record]],
          overrides: list[Record], unchecked: list[Record], here: Fingerprint | None) -> str:
    if not groups and not overrides and not unchecked:
        return f"no benchguard notes on {commit[:12]} in {printable(ref)}\n"
    lines = [f"commit {commit}  ({printable(ref)})", ""]
    for fingerprint, records in groups.items():
        mark = "  (this machine)" if fingerprint == here else ""
        runs = "1 run" if len(records) == 1 else f"{len(records)} runs"
        lines.append(f"baseline on {describe_fingerprint(fingerprint)}{mark}: {runs}")
        for record, used in zip(records, _used(records, fingerprint), strict=True):
            settings = record.settings
            moved = f", measured at {record.commit[:12]}" if record.commit != commit else ""
            old = "" if used else "  (superseded: newer runs have all its benchmarks)"
            how = (f"simulated ({record.identity.describe()})" if record.identity is not None
                   else f"count {settings.get('count', '?')}, benchtime "
                        f"{settings.get('benchtime', '?')}")
            lines.append(printable(
                f"  {record.date}  {how}, benchguard {record.version}{moved}{old}"))
        lines.append("")
        samples = baseline_samples(records, fingerprint)
        if samples is not None:
            lines.append(render_summary(samples))
    for record in overrides:
        override = record.override or {}
        names = ", ".join(override.get("benchmarks") or []) or "no benchmark named"
        lines.append(printable(f"override by {override.get('user') or '?'} on {record.date}: "
                               f"pattern {override.get('pattern')!r} ({names})"))
        lines.append(f"  reason: {printable(override.get('reason', ''))}")
    for record in unchecked:
        found = record.unchecked or {}
        lines.append(printable(f"pushed by {found.get('user') or '?'} on {record.date} with "
                               f"selections NOT checked (time budget {found.get('budget')}):"))
        for selection in found.get("selections") or []:
            name = run_name(str(selection.get("package")), str(selection.get("pattern")),
                            tuple(selection.get("tags") or ()))
            lines.append(printable(f"  {name}: {selection.get('reason')}"))
    return "\n".join(lines).rstrip("\n") + "\n"


def _json(commit: str, ref: str, groups: dict[Fingerprint, list[Record]],
          overrides: list[Record], unchecked: list[Record], here: Fingerprint | None,
          warnings: list[str]) -> dict[str, Any]:
    baselines = []
    for fingerprint, records in groups.items():
        samples = baseline_samples(records, fingerprint)
        sources = baseline_sources(records, fingerprint)
        benchmarks = summary_json(samples) if samples is not None else []
        for row, key in zip(benchmarks, samples.samples if samples else (), strict=True):
            row["date"] = sources[key.bench].date
        baselines.append({
            "fingerprint": dataclasses.asdict(fingerprint),
            "this_machine": fingerprint == here,
            "runs": [{"commit": record.commit, "date": record.date, "version": record.version,
                      "settings": record.settings, "load": record.load, "used": used,
                      "durations": [dataclasses.asdict(timing) for timing in record.durations]}
                     for record, used in zip(records, _used(records, fingerprint), strict=True)],
            "benchmarks": benchmarks,
        })
    return {
        "version": JSON_VERSION, "commit": commit, "ref": ref, "baselines": baselines,
        "overrides": [{"date": record.date, "commit": record.commit, **(record.override or {})}
                      for record in overrides],
        "unchecked": [{"date": record.date, "commit": record.commit, **(record.unchecked or {})}
                      for record in unchecked],
        "warnings": warnings,
    }
