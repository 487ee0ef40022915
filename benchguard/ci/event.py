"""GitHub's event payload (the JSON file at GITHUB_EVENT_PATH), read by dotted path: a field that
is missing or of the wrong type is a one-line error naming the file and the path."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from benchguard.errors import EXIT_USAGE, BenchguardError

SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories


def checked_sha(value: str, where: str) -> str:
    if not SHA.fullmatch(value):
        raise BenchguardError(f"{where} is {value[:80]!r}, not a full commit id",
                              exit_code=EXIT_USAGE)
    return value


_REQUIRED = object()


@dataclass(frozen=True)
class Event:
    """GitHub's event payload, read by dotted path with a one-line error naming the path."""

    path: str
    data: dict[str, Any]

    @classmethod
    def load(cls, path: str) -> Event:
        if not path:
            raise BenchguardError("GITHUB_EVENT_PATH is not set: no event to read",
                                  exit_code=EXIT_USAGE)
        try:
            with open(path, encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BenchguardError(f"{path}: cannot read the GitHub event: {error}",
                                  exit_code=EXIT_USAGE) from None
        if not isinstance(data, dict):
            raise BenchguardError(f"{path}: the GitHub event is not a JSON object",
                                  exit_code=EXIT_USAGE)
        return cls(path, data)

    def _get(self, dotted: str, kind: type, what: str, default: object) -> Any:
        """The value at ``dotted``; ``default`` when it is absent or null, if one is given."""
        value: object = self.data
        for part in dotted.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
                break
        if value is None and default is not _REQUIRED:
            return default
        if value is None:
            raise BenchguardError(f"{self.path}: the GitHub event has no {dotted}",
                                  exit_code=EXIT_USAGE)
        # bool is an int in Python, but true is not a pull request number
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise BenchguardError(f"{self.path}: {dotted} is {json.dumps(value)[:80]}, not "
                                  f"{what}", exit_code=EXIT_USAGE)
        return value

    def text(self, dotted: str, *, default: object = _REQUIRED) -> Any:
        return self._get(dotted, str, "a string", default)

    def integer(self, dotted: str) -> int:
        value: int = self._get(dotted, int, "a number", _REQUIRED)
        return value

    def flag(self, dotted: str, *, default: object = _REQUIRED) -> Any:
        return self._get(dotted, bool, "true or false", default)

    def items(self, dotted: str, *, default: object = _REQUIRED) -> Any:
        return self._get(dotted, list, "a list", default)

    def sha(self, dotted: str) -> str:
        return checked_sha(self.text(dotted), f"{self.path}: {dotted}")
