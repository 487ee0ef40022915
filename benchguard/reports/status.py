"""`benchguard status` as people and scripts read it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from benchguard import JSON_VERSION
from benchguard.engine.names import run_name
from benchguard.push.status import SEARCH_DEPTH, BaselineStatus, Found
from benchguard.reports.notes import describe_fingerprint
from benchguard.style import plural, printable


def render_text(status: BaselineStatus) -> str:
    machine = ("any machine" if status.any_machine
               else f"this machine ({describe_fingerprint(status.here)})")
    found = status.found
    if found is None:
        return (f"no baseline for {machine} on the last {SEARCH_DEPTH} first-parent commits of "
                "HEAD; run `benchguard baseline`\n")
    runs = plural(len(found.records), "run")
    lines = [f"last baseline for {machine}:",
             f"  {found.commit[:12]} {status.subject!r}, recorded "
             f"{_age(status.latest)} ({status.latest}), {runs}"]
    lines += _not_checked(found)
    if found.commit == status.head:
        lines.append("HEAD has a baseline: nothing else needs measuring" if found.not_checked
                     else "HEAD has a baseline: nothing needs re-running")
        return "\n".join(lines) + "\n"
    merged = f" ({found.distance} along the first-parent line)" \
        if found.distance != status.commits else ""
    lines.append(f"changed since: {plural(status.commits, 'commit')}{merged}, "
                 f"{plural(len(status.files), 'file')}")
    lines += [f"  {printable(file)}" for file in status.files]
    if not status.needs_rerun:
        lines.append("needs re-running: nothing (no changed file selects a benchmark)")
    else:
        lines.append("needs re-running:")
        for item in status.needs_rerun:
            tags = f" -tags={','.join(item.tags)}" if item.tags else ""
            lines.append(printable(f"  {item.package}  -bench {item.pattern}{tags}  "
                                   f"({item.reason})"))
    return "\n".join(lines) + "\n"


def _not_checked(found: Found) -> list[str]:
    """What the push of the baseline's commit left unchecked: it needs measuring, said as loudly
    as a regression would be."""
    if not found.not_checked:
        return []
    lines = [f"NOT CHECKED by the push of {found.commit[:12]} (its time budget), needs measuring "
             "(`benchguard baseline`, or a check with a larger budget):"]
    for selection in found.not_checked:
        name = run_name(str(selection.get("package")), str(selection.get("pattern")),
                        tuple(selection.get("tags") or ()))
        names = selection.get("benchmarks") or []
        if names:
            name = f"{selection.get('package')}: {plural(len(names), 'benchmark')} of it"
        lines.append(printable(f"  {name} ({selection.get('reason')})"))
    return lines


def to_json(status: BaselineStatus) -> dict[str, Any]:
    """docs/json.md, "status"."""
    found = status.found
    baseline = None if found is None else {
        "commit": found.commit, "subject": status.subject, "date": status.latest,
        "runs": len(found.records), "distance": found.distance}
    changed = None if found is None else {"commits": status.commits, "files": status.files}
    return {
        "version": JSON_VERSION, "head": status.head,
        "machine": dataclasses.asdict(status.here), "any_machine": status.any_machine,
        "baseline": baseline, "changed": changed,
        "needs_rerun": None if found is None else [
            {"package": item.package, "pattern": item.pattern, "tags": list(item.tags),
             "reason": item.reason} for item in status.needs_rerun],
        "not_checked": [] if found is None else list(found.not_checked),
        "warnings": status.warnings,
    }


def _age(date: str) -> str:
    try:
        then = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "at an unknown time"
    seconds = max(0, int((datetime.now(UTC) - then).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{plural(seconds // size, unit)} ago"
    return "just now"
