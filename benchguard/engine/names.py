"""How the output names a build's tags and a `go test` run: one home for both, light enough for
the start of every check (it imports nothing)."""

from __future__ import annotations

from collections.abc import Sequence


def tags_line(tags: Sequence[str]) -> str:
    """How a build's tags are shown, as benchstat shows a configuration line: "tags: fast,x"."""
    return f"tags: {','.join(tags)}"


def run_name(package: str, pattern: str, tags: Sequence[str] = ()) -> str:
    """One `go test` run (a selection) as the output names it: "./hashing all benchmarks",
    "./fastpath BenchmarkImpl [tags: fast]"."""
    what = "all benchmarks" if pattern == "." else pattern
    return f"{package} {what} [{tags_line(tags)}]" if tags else f"{package} {what}"
