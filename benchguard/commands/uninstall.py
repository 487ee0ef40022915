"""`benchguard uninstall` (placeholder until its work lands)."""

from __future__ import annotations

import argparse

from benchguard.errors import BenchguardError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise BenchguardError("benchguard uninstall is not available yet")
