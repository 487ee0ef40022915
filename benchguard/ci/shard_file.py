"""A shard's file: what one job of a check measured in parts wrote for the merge job
(`benchguard ci --shard K/N --output DIR` writes `benchguard-shard-K-of-N.json` into DIR;
`benchguard ci --merge DIR` reads every one below DIR). docs/json.md, "A shard's file".

The merge job reads files other jobs wrote — jobs that ran the pull request's code, possibly a
fork's —, so it reads them as ci.artifact reads a fork's artifact: regular files only (no
symbolic link, pipe or device), at most two folders deep, of bounded size, JSON of exactly the
shape benchguard writes (ci.shard_json), about this pull request's commits. What fails is one
line and exit 2, and nothing is merged."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from benchguard import JSON_VERSION
from benchguard.ci import artifact, shard_json
from benchguard.ci.environment import PullRequest
from benchguard.ci.event import SHA
from benchguard.ci.shard_json import ShardFileError, fields, text, whole
from benchguard.config import Config
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push.parts import MOST_SHARDS, Shard, digest
from benchguard.push.plan import Step
from benchguard.push.replay import PartRecord
from benchguard.push.runner import RunSpec
from benchguard.push.selection import Selection
from benchguard.store.records import MAX_TEXT, escaped

KIND = "benchguard shard"
_NAME = re.compile(r"benchguard-shard-([0-9]{1,3})-of-([0-9]{1,3})\.json")
LARGEST = 256 * 1024 * 1024  # bytes of one file: far above a part of thousands of benchmarks
_DEPTH = 2  # DIR/file, DIR/artifact/file: actions/download-artifact's two layouts
_ENTRIES = 4096  # entries looked at below DIR


class ShardStatus(StrEnum):
    MEASURED = "measured"  # it measured its part: the record says what
    SETTLED = "settled"  # the check has nothing to measure (the message says why)
    FAILED = "failed"  # the shard could not run (the message says why)


def file_name(shard: Shard) -> str:
    return f"benchguard-shard-{shard.number}-of-{shard.count}.json"


@dataclass(frozen=True)
class Found:
    """One shard's file, who wrote it checked; ``body`` is read with the merge's
    configuration (ShardBody.read)."""

    path: Path
    shard: Shard
    pull_request: int
    base: str
    head: str
    config: str  # parts.config_digest of the configuration it measured with
    split: str  # parts.digest of its selection and split: the same in every shard of a check
    status: ShardStatus
    message: str
    exit_code: int
    budget: str
    body: dict[str, Any]


@dataclass
class Digests:
    """The names of the configuration and the split a shard measured with (push.parts.digest):
    every shard of one check has the same."""

    config: str = digest(None)
    split: str = digest(None)


def write(directory: Path, shard: Shard, request: PullRequest, digests: Digests, *,
          status: ShardStatus, message: str = "", exit_code: int = 0, budget: str = "",
          body: Mapping[str, Any] | None = None) -> Path:
    """Write one shard's file into ``directory``; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(shard)
    data = {"version": JSON_VERSION, "kind": KIND, "shard": shard.number, "shards": shard.count,
            "pull_request": request.number, "base": request.base, "head": request.head,
            "config": digests.config, "split": digests.split, "status": status.value,
            "message": escaped(message[:MAX_TEXT]),
            "exit_code": exit_code, "budget": budget, "body": dict(body or {})}
    path.write_text(json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def gather(directory: Path) -> list[Found]:
    """Every shard's file below ``directory`` (in it, or one folder down), each read strictly;
    ordered by shard."""
    found = [read(path) for path in _candidates(directory)]
    return sorted(found, key=lambda one: (one.shard.number, str(one.path)))


def _candidates(directory: Path) -> list[Path]:
    """The files named like a shard's, at most _DEPTH deep, symbolic links and other
    non-regular files refused, and not followed."""
    try:
        top = os.lstat(directory)
    except OSError as error:
        raise _bad(str(directory), f"cannot open it ({error.strerror})") from None
    if not stat.S_ISDIR(top.st_mode):
        raise _bad(str(directory), "not a directory")
    found: list[Path] = []
    pending = [(directory, 1)]
    seen = 0
    while pending:
        folder, depth = pending.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda entry: entry.name):
                seen += 1
                if seen > _ENTRIES:
                    raise _bad(str(directory), f"more than {_ENTRIES} entries")
                path = Path(entry.path)
                if _NAME.fullmatch(entry.name):
                    if not entry.is_file(follow_symlinks=False):
                        raise _bad(str(path), "not a regular file")
                    found.append(path)
                elif entry.is_dir(follow_symlinks=False) and depth < _DEPTH:
                    pending.append((path, depth + 1))
    return found


def read(path: Path) -> Found:
    """One shard's file, who wrote it and about what checked; its body as it is."""
    try:
        raw = artifact.read_regular(path, LARGEST)
    except artifact.Unreadable as error:
        raise _bad(str(path), str(error)) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise _bad(str(path), f"not JSON ({error.msg}, line {error.lineno})") from None
    except RecursionError:
        raise _bad(str(path), "not JSON (nested too deeply)") from None
    try:
        data = fields(data, "the file", ("version", "kind", "shard", "shards", "pull_request",
                                         "base", "head", "config", "split", "status",
                                         "message", "exit_code", "budget", "body"))
        if data["version"] != JSON_VERSION or data["kind"] != KIND:
            raise ShardFileError(f"not version {JSON_VERSION} of a {KIND}'s result")
        count = whole(data["shards"], "shards", minimum=1, most=MOST_SHARDS)
        shard = Shard(whole(data["shard"], "shard", minimum=1, most=count), count)
        named = _NAME.fullmatch(path.name)
        if named is None or (int(named.group(1)), int(named.group(2))) != (shard.number,
                                                                         count):
            raise ShardFileError(f"it says shard {shard}, its name another")
        for key in ("base", "head"):
            if not isinstance(data[key], str) or not SHA.fullmatch(data[key]):
                raise ShardFileError(f"{key} is not a commit id")
        for key in ("config", "split"):
            if not isinstance(data[key], str) or not re.fullmatch(r"sha256:[0-9a-f]{64}",
                                                                  data[key]):
                raise ShardFileError(f"{key} is not a digest")
        try:
            status = ShardStatus(data["status"])
        except ValueError:
            raise ShardFileError(f"status is not one of {', '.join(ShardStatus)}") from None
        return Found(path, shard, whole(data["pull_request"], "pull_request", minimum=1,
                                        most=2**31 - 1),
                     data["base"], data["head"], data["config"], data["split"], status,
                     text(data["message"], "message"),
                     whole(data["exit_code"], "exit_code", most=255),
                     text(data["budget"], "budget"), fields(data["body"], "body"))
    except ShardFileError as error:
        raise _bad(str(path), str(error)) from None


@dataclass(frozen=True)
class ShardBody:
    """What a shard that measured its part wrote beyond who it is."""

    specs: list[RunSpec]  # the whole plan's selections, in order
    parts: list[list[RunSpec]]
    selection: Selection
    steps: list[Step]
    available: float | None
    family: int
    record: PartRecord

    @classmethod
    def read(cls, found: Found, config: Config) -> ShardBody:
        """``found``'s body, checked field by field (``config``: the merge's, which names the
        [[bench]] entries a selection refers to by number)."""
        try:
            body = fields(found.body, "body", ("specs", "whole", "parts", "selection",
                                               "steps", "available", "family", "record"))
            every = shard_json.read_specs(body["specs"])  # and its timed remainders after
            specs = every[:whole(body["whole"], "whole", most=len(every))]
            parts = [[specs[whole(index, "part's spec", most=len(specs) - 1)]
                      for index in shard_json.items(part, "part")]
                     for part in shard_json.items(body["parts"], "parts")]
            if len(parts) != found.shard.count:
                raise ShardFileError(f"parts: {len(parts)}, not {found.shard.count}")
            available = None if body["available"] is None else \
                shard_json.seconds(body["available"], "available")
            return cls(specs, parts, shard_json.read_selection(body["selection"], config),
                       shard_json.read_steps(body["steps"], specs), available,
                       whole(body["family"], "family"),
                       shard_json.read_record(body["record"], every, shard=found.shard.number,
                                              shards=found.shard.count))
        except ShardFileError as error:
            raise _bad(str(found.path), str(error)) from None


def body_json(specs: Sequence[RunSpec], parts: Sequence[Sequence[RunSpec]],
              selection: dict[str, Any], steps: Sequence[Step],
              available: float | None, family: int,
              record: PartRecord) -> dict[str, Any]:
    """``specs``: the whole plan's selections; the timed runs of what simulation could not see
    (``record.timed``) follow them in the file's `specs` (`whole` says where they start)."""
    every = [*specs, *(spec for spec in record.timed if spec not in specs)]
    index = {spec: number for number, spec in enumerate(every)}
    return {"specs": shard_json.specs_json(every), "whole": len(specs),
            "parts": [[index[spec] for spec in part] for part in parts],
            "selection": selection,
            "steps": [shard_json.step_json(step, index) for step in steps],
            "available": available, "family": family,
            "record": shard_json.record_json(record, index)}


def _bad(where: str, what: str) -> BenchguardError:
    return BenchguardError(f"{where}: {what}; not a benchguard shard's result (nothing merged)",
                           exit_code=EXIT_USAGE)
