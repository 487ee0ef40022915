"""The fork-safe hand-over between two workflows: the pull request's check writes its report and a
small JSON document into a directory (uploaded as an artifact); a `workflow_run` workflow with a
write token reads them back and posts the comment. Everything read here was written by a run of
the pull request's code, so it is checked strictly and trusted for nothing but what it says.

benchguard.json (docs/ci.md, "The artifact"):
    {"version": 1, "pull_request": 7, "status": "regression", "regressions": 1,
     "base_sha": "<40 or 64 hex>", "head_sha": "<40 or 64 hex>"}
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from benchguard import JSON_VERSION
from benchguard.ci.event import SHA
from benchguard.engine.status import Status
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.redact import redact

SUMMARY = "benchguard.json"
REPORT = "report.md"

_LARGEST_SUMMARY = 4 * 1024
_LARGEST_REPORT = 1024 * 1024
_LARGEST_COUNT = 1_000_000
_KEYS = {"version", "pull_request", "status", "regressions", "base_sha", "head_sha"}


@dataclass(frozen=True)
class Artifact:
    pull_request: int
    status: Status
    regressions: int
    base_sha: str
    head_sha: str


def write(directory: Path, artifact: Artifact, report: str) -> Path:
    """Write the report (secrets masked) and benchguard.json into ``directory``; the report's
    path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / REPORT).write_text(redact(report), encoding="utf-8")
    (directory / SUMMARY).write_text(json.dumps({
        "version": JSON_VERSION, "pull_request": artifact.pull_request,
        "status": artifact.status.value, "regressions": artifact.regressions,
        "base_sha": artifact.base_sha, "head_sha": artifact.head_sha,
    }, indent=2) + "\n", encoding="utf-8")
    return directory / REPORT


def read(directory: Path) -> tuple[Artifact, str]:
    """benchguard.json, checked field by field, and the report (at most 1 MiB of UTF-8)."""
    text = _read_file(directory / SUMMARY, _LARGEST_SUMMARY)
    where = str(directory / SUMMARY)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad(where, f"not JSON ({error.msg}, line {error.lineno})") from None
    except RecursionError:  # "[[[[…" within the size limit: deeper than Python recurses
        raise _bad(where, "not JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise _bad(where, "not a JSON object")
    if set(data) != _KEYS:
        extra, missing = sorted(set(data) - _KEYS), sorted(_KEYS - set(data))
        raise _bad(where, "keys differ from the expected ones"
                   + (f"; unexpected: {', '.join(repr(k[:40]) for k in extra[:5])}" if extra
                      else "") + (f"; missing: {', '.join(missing)}" if missing else ""))

    if _integer(data["version"]) != JSON_VERSION:
        raise _bad(where, f"version is not {JSON_VERSION}")
    number = _integer(data["pull_request"])
    if number is None or not 1 <= number < 2**31:
        raise _bad(where, "pull_request is not a pull request number")
    count = _integer(data["regressions"])
    if count is None or not 0 <= count <= _LARGEST_COUNT:
        raise _bad(where, "regressions is not a count")
    statuses = {status.value: status for status in Status}
    if not isinstance(data["status"], str) or data["status"] not in statuses:
        raise _bad(where, f"status is not one of {', '.join(statuses)}")
    for key in ("base_sha", "head_sha"):
        if not isinstance(data[key], str) or not SHA.fullmatch(data[key]):
            raise _bad(where, f"{key} is not a commit id")
    report = _read_file(directory / REPORT, _LARGEST_REPORT)
    return Artifact(number, statuses[data["status"]], count, data["base_sha"],
                    data["head_sha"]), report


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_file(path: Path, largest: int) -> str:
    """A regular file's text: no symbolic link out of the artifact, no endless device, no named
    pipe that would block whoever opens it until a writer comes (checked before opening, and
    opened without blocking in case it was swapped since)."""
    try:
        found = os.lstat(path)
    except OSError as error:
        raise _bad(str(path), f"cannot open it ({error.strerror})") from None
    if not (stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)):
        raise _bad(str(path), "not a regular file")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                             | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:  # a symbolic link: O_NOFOLLOW refuses it
        raise _bad(str(path), f"cannot open it ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise _bad(str(path), "not a regular file")
        data = file.read(largest + 1)
    if len(data) > largest:
        raise _bad(str(path), f"larger than {largest} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(str(path), "not UTF-8") from None


def _bad(where: str, what: str) -> BenchguardError:
    return BenchguardError(f"{where}: {what}; the artifact is not benchguard's (nothing posted)",
                           exit_code=EXIT_USAGE)
