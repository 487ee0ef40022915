"""How lower layers tell the user what they are doing without printing: they take a Reporter,
and the command layer decides where its lines go (commands/output.py writes them to stderr)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Reporter(Protocol):
    def progress(self, message: str) -> None:
        """One line per step of a long run, so it shows it is alive."""

    def warn(self, message: str) -> None:
        """Something the user must not miss: what could not be checked, and why."""


@dataclass
class Collector:
    """Keeps what it is told (for JSON output and tests)."""

    progressed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def progress(self, message: str) -> None:
        self.progressed.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


class Silent:
    """Hears nothing."""

    def progress(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass
