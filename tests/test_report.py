"""`benchguard report`: the benchmark report a pull request gets, from notes or fresh runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, THRESHOLD, Project, make_project, slow_down

from benchguard.store.notes import NotesStore

SECTIONS = ["## Benchmark Report - ", "### Summary", "### Performance Metrics",
            "### Memory Analysis", "### Recommendations", "### Action Taken"]


def notes_of(project: Project, rev: str) -> list[str]:
    records, _ = NotesStore(project.root, "refs/notes/benchguard").read(
        project.sh(f"git rev-parse {rev}").stdout.strip())
    return [record.kind for record in records]


@pytest.mark.slow
def test_a_report_on_a_regression_has_every_section_and_stores_the_baselines(
        tmp_path: Path) -> None:
    target = '\n[[target]]\nbench = "BenchmarkSum"\nmin_ops_per_sec = 1\n'
    # Sum gets 4x slower (+300%); a lenient threshold keeps noise in Fields from counting too
    # (report measures base and head one after the other, and at 60% Fields once counted in CI).
    lenient = DEFAULT_CONFIG.replace(f'threshold = "{THRESHOLD}"',
                                     'threshold = "150%"\n    metrics = ["sec/op"]')
    project = make_project(tmp_path, config=lenient + target)
    slow_down(project.root, "hashing/hash.go", 4)
    head = project.commit("make Sum slower")
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")

    proc = project.benchguard("report", "--profile", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr
    markdown = proc.stdout
    positions = [markdown.find(section) for section in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), markdown
    assert "- Overall Status: **⚠️ REGRESSION**" in markdown
    assert "- Benchmarks Run: 2" in markdown and "- Regressions Detected: 1" in markdown
    sum_section = markdown[markdown.index("#### BenchmarkSum"):markdown.index("#### Benchmark",
                                          markdown.index("#### BenchmarkSum") + 5)]
    assert re.search(r"- Current: [\d.]+k ops/sec \([\d,]+ ns/op\)", sum_section), sum_section
    assert "- Target: ≥ 1 ops/sec (enforced)" in sum_section
    assert re.search(r"- Change from baseline: \+\d+\.\d% \(p=0\.\d+, regression\)", sum_section)
    assert "| `BenchmarkFields" in markdown  # the memory table
    assert "The functions whose share of CPU grew most: `example.com/demo/" in markdown
    assert f"- [x] Profiles of the regressions kept in `.benchguard/profiles/{head}`" in markdown
    assert f"- [x] Baselines updated (`{head[:12]}`, " in markdown
    # Neither commit had a baseline: both were measured and stored for the next report.
    assert notes_of(project, "HEAD") == ["baseline"] and notes_of(project, "HEAD~1") == [
        "baseline"]
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown + "\n"

    again = project.benchguard("report", "--format", "json", "--output", "report.json")
    assert again.returncode == 0, again.stderr
    assert "running" not in again.stderr  # both sides came from the notes this time
    data = json.loads((project.root / "report.json").read_text(encoding="utf-8"))
    assert (data["status"], data["head"], data["benchmarks_run"], data["regressions"]) == (
        "regression", head, 2, 1)
    assert data["actions"][0] == {"done": False, "text": f"Baselines updated: `{head[:12]}` "
                                  f"already had one (measured {data['date']})"}
    (project.root / ".benchguard").rename(tmp_path / "profiles-elsewhere")
    hinted = project.benchguard("report").stdout
    assert f"benchguard profile --base {project.sh('git rev-parse HEAD~1').stdout[:12]}" \
           f" --head {head[:12]} '^BenchmarkSum$'" in hinted
    text = project.benchguard("report", "--format", "text")
    assert text.stdout.startswith(f"Benchmark report {data['date']}: REGRESSION"), text.stdout


@pytest.mark.slow
def test_the_base_is_the_nearest_ancestor_with_a_baseline(tmp_path: Path) -> None:
    # The same code on both sides, measured minutes apart: only a gross change may count here,
    # so a busy machine (or B/op jitter of a few bytes) cannot fail it.
    lenient = DEFAULT_CONFIG.replace(f'threshold = "{THRESHOLD}"',
                                     'threshold = "300%"\n    metrics = ["sec/op"]')
    project = make_project(tmp_path, config=lenient)
    measured = project.head()
    assert project.benchguard("baseline").returncode == 0
    project.write({"README.md": "docs\n"})
    project.commit("docs")
    project.write({"NOTES.md": "more docs\n"})
    project.commit("more docs")
    proc = project.benchguard("report")
    assert proc.returncode == 0, proc.stderr
    assert f"compared with `{measured[:12]}`" in proc.stdout
    assert "- Overall Status: **✅ PASS**" in proc.stdout
    assert "No action needed" in proc.stdout
    assert "[base" not in proc.stderr  # the base's stored baseline was used
