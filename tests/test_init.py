from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GO, GO_MODULE, make_project

from benchguard import config
from benchguard.config import BenchEntry

pytestmark = pytest.mark.skipif(GO is None, reason="go is not installed")


def test_init_writes_an_entry_per_benchmarked_package_and_never_overwrites(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, config=None)
    target = project.root / "benchguard.toml"

    first = project.benchguard("init", "--no-sizing")

    assert first.returncode == 0, first.stderr
    written = target.read_text(encoding="utf-8")
    # It says what it found and where it wrote, not the whole file (which is on disk).
    assert first.stdout.splitlines() == [
        "benchguard: found benchmarks in 2 packages: ./hashing, ./parse",
        f"benchguard: wrote {target} with a [[bench]] entry for each and every other setting "
        "at its default (docs/config.md)",
    ]
    loaded = config.load(project.root)
    assert loaded.benches == (
        BenchEntry(paths=("hashing/**",), packages=("./hashing",), line=loaded.benches[0].line),
        BenchEntry(paths=("parse/**",), packages=("./parse",), line=loaded.benches[1].line),
    )  # mathx has no benchmarks of its own
    assert (loaded.count, loaded.threshold, loaded.timeout) == (6, 0.05, "10m")

    again = project.benchguard("init", "--no-sizing")

    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert target.read_text(encoding="utf-8") == written


def test_init_in_a_module_without_benchmarks_writes_nothing(tmp_path: Path) -> None:
    files = {name: text for name, text in GO_MODULE.items() if not name.endswith("_test.go")}
    project = make_project(tmp_path, config=None, files=files)

    proc = project.benchguard("init", "--no-sizing")

    assert proc.returncode == 2
    assert "no package in this repository's modules has benchmarks" in proc.stderr
    assert not (project.root / "benchguard.toml").exists()
