from __future__ import annotations

from pathlib import Path

from conftest import Project


def test_help_lists_every_command(tmp_path: Path) -> None:
    from conftest import benchguard

    proc = benchguard("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for name in ("check", "compare", "baseline", "show", "status", "sync", "install", "init"):
        assert name in proc.stdout


def test_project_fixture_builds_a_pushed_go_module(project: Project) -> None:
    assert project.remote_sha() == project.head()
    proc = project.sh("go test -run '^$' -bench . -benchtime 10x ./...")
    assert "BenchmarkSum" in proc.stdout
