"""Changed files select benchmarks via benchguard.toml and Go's import graph, each with a reason."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, GO, Project, make_project, slow_down

from benchguard import config, git, go
from benchguard.selection import PackageLister, Selection, select

CONFIG = config.parse(textwrap.dedent(DEFAULT_CONFIG), filename="benchguard.toml")


def lister(root: Path, calls: list[tuple[str, ...]] | None = None) -> PackageLister:
    def list_packages(tags: tuple[str, ...]) -> Sequence[go.GoPackage]:
        if calls is not None:
            calls.append(tags)
        return go.list_packages(root, tags)
    return list_packages


def changes(project: Project, message: str) -> list[str]:
    before = project.head()
    after = project.commit(message)
    return git.changed_files(project.root, before, after)


def chosen(selection: Selection) -> list[tuple[str, str, str]]:
    return [(s.package, s.pattern, s.reason) for s in selection.selected]


def test_a_change_in_one_package_selects_only_its_benchmarks(project: Project) -> None:
    slow_down(project.root, "hashing/hash.go", 3)
    selection = select(CONFIG, changes(project, "slower"), lister(project.root))
    assert chosen(selection) == [
        ("./hashing", "BenchmarkSum", "hashing/hash.go matched hashing/**")
    ]
    assert selection.selected[0].threshold == 0.05
    assert any("./parse" in line for line in selection.skipped)


def test_a_change_in_an_imported_package_selects_its_importers(project: Project) -> None:
    slow_down(project.root, "mathx/mix.go", 3, constant="Rounds")
    selection = select(CONFIG, changes(project, "slower mix"), lister(project.root))
    assert chosen(selection) == [
        ("./hashing", "BenchmarkSum", "mathx/mix.go: ./hashing imports example.com/demo/mathx")
    ]


def test_without_a_map_go_files_select_their_own_and_importing_packages(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    project = make_project(tmp_path, config=None)
    slow_down(project.root, "hashing/hash.go", 2)
    slow_down(project.root, "mathx/mix.go", 2, constant="Rounds")
    selection = select(config.Config(path=None), changes(project, "both"), lister(project.root))
    assert chosen(selection) == [("./hashing", ".", "hashing/hash.go is in ./hashing")]


def test_a_docs_only_change_never_asks_go(project: Project) -> None:
    project.write({"README.md": "hello\n", "docs/guide.md": "more\n"})
    calls: list[tuple[str, ...]] = []
    selection = select(CONFIG, changes(project, "docs"), lister(project.root, calls))
    assert selection.selected == () and calls == []


def test_a_file_in_always_selects_every_configured_benchmark(project: Project) -> None:
    project.write({"go.sum": "\n"})
    selection = select(CONFIG, changes(project, "deps"), lister(project.root))
    assert [(s.package, s.pattern) for s in selection.selected] == [
        ("./hashing", "BenchmarkSum"), ("./parse", ".")
    ]
    assert selection.selected[0].reason == "go.sum matched always = go.sum"


def test_renames_and_deletions_select_too(project: Project) -> None:
    project.sh("git mv parse/parse.go parse/fields.go")
    selection = select(CONFIG, changes(project, "rename"), lister(project.root))
    assert [s.package for s in selection.selected] == ["./parse"]


def test_auto_selection_runs_the_nearest_packages_and_names_the_rest(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")

    def package(name: str, imports: str | None) -> dict[str, str]:
        use = f'import "example.com/chain/{imports}"\n\nvar _ = {imports}.V\n' if imports else ""
        return {
            f"{name}/{name}.go": f"package {name}\n\n{use}\nvar V = 1\n",
            f"{name}/{name}_test.go": f"package {name}\n\nimport \"testing\"\n\n"
                                      f"func BenchmarkV(b *testing.B) {{}}\n",
        }

    files = {"go.mod": "module example.com/chain\n\ngo 1.21\n",
             "core/core.go": "package core\n\nconst Rounds = 1\n\nvar V = Rounds\n",
             **package("near", "core"), **package("middle", "near"), **package("far", "middle")}
    project = make_project(tmp_path, config="auto_max_packages = 2\n", files=files)
    slow_down(project.root, "core/core.go", 2, constant="Rounds")
    settings = config.parse("auto_max_packages = 2\n", filename="benchguard.toml")
    selection = select(settings, changes(project, "core"), lister(project.root))
    assert chosen(selection) == [
        ("./near", ".", "core/core.go: ./near imports example.com/chain/core"),
        ("./middle", ".", "core/core.go: ./middle imports example.com/chain/near, "
                          "which imports example.com/chain/core"),
    ]
    [warning] = selection.warnings
    assert "./far (3 hops)" in warning and "auto_max_packages = 2" in warning
