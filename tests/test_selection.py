"""Changed files select benchmarks via benchguard.toml and the go command's own file lists,
each with a reason; what could move a benchmark but selects none is named."""

from __future__ import annotations

import contextlib
import shutil
import textwrap
from pathlib import Path

import monorepo
import pytest
from conftest import DEFAULT_CONFIG, GO, Project, make_project, slow_down

from benchguard import config
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push.selection import Selection, select
from benchguard.tools import git
from benchguard.tools.packages import Snapshot

CONFIG = config.parse(textwrap.dedent(DEFAULT_CONFIG), filename="benchguard.toml")


def changes(project: Project, message: str) -> tuple[str, str]:
    """Commit what is in the working tree; the commits before and after."""
    before = project.head()
    return before, project.commit(message)


def selecting(settings: config.Config, project: Project, commits: tuple[str, str]
              ) -> Selection:
    """What a push of ``commits`` selects: the head as checked out, the base in a worktree."""
    before, after = commits
    root = project.root
    with contextlib.ExitStack() as stack:
        return select(settings, git.changed_files(root, before, after),
                      Snapshot(root, after, lambda: root),
                      Snapshot(root, before,
                               lambda: stack.enter_context(git.worktree(root, before))))


def chosen(selection: Selection) -> list[tuple[str, str, str]]:
    return [(s.package, s.pattern, s.reason) for s in selection.selected]


def test_a_change_in_one_package_selects_only_its_benchmarks(project: Project) -> None:
    slow_down(project.root, "hashing/hash.go", 3)
    selection = selecting(CONFIG, project, changes(project, "slower"))
    assert chosen(selection) == [
        ("./hashing", "BenchmarkSum", "hashing/hash.go matched hashing/**")
    ]
    entry = selection.selected[0].entry
    assert entry is not None and entry.pattern == "BenchmarkSum"
    assert any("./parse" in line for line in selection.skipped)


def test_a_change_in_an_imported_package_selects_its_importers(project: Project) -> None:
    slow_down(project.root, "mathx/mix.go", 3, constant="Rounds")
    selection = selecting(CONFIG, project, changes(project, "slower mix"))
    assert chosen(selection) == [
        ("./hashing", "BenchmarkSum", "mathx/mix.go: ./hashing imports example.com/demo/mathx")
    ]


def test_without_a_map_go_files_select_their_own_and_importing_packages(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    project = make_project(tmp_path, config=None)
    slow_down(project.root, "hashing/hash.go", 2)
    slow_down(project.root, "mathx/mix.go", 2, constant="Rounds")
    selection = selecting(config.Config(path=None), project, changes(project, "both"))
    assert chosen(selection) == [("./hashing", ".", "hashing/hash.go is in ./hashing")]


def test_a_docs_only_change_never_asks_go(project: Project) -> None:
    project.write({"README.md": "hello\n", "docs/guide.md": "more\n"})
    selection = selecting(CONFIG, project, changes(project, "docs"))
    assert selection.selected == () and selection.go_runs == 0 and selection.uncovered == ()


def test_a_change_to_go_sum_selects_every_configured_benchmark_of_its_module(
        project: Project) -> None:
    project.write({"go.sum": "\n"})
    selection = selecting(CONFIG, project, changes(project, "deps"))
    assert [(s.package, s.pattern) for s in selection.selected] == [
        ("./hashing", "BenchmarkSum"), ("./parse", ".")
    ]
    assert selection.selected[0].reason == "go.sum changed"


def test_renames_and_deletions_select_too(project: Project) -> None:
    project.sh("git mv parse/parse.go parse/fields.go")
    selection = selecting(CONFIG, project, changes(project, "rename"))
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
    selection = selecting(settings, project, changes(project, "core"))
    assert chosen(selection) == [
        ("./near", ".", "core/core.go: ./near imports example.com/chain/core"),
        ("./middle", ".", "core/core.go: ./middle imports example.com/chain/near, "
                          "which imports example.com/chain/core"),
    ]
    [warning] = selection.warnings
    assert "./far (3 hops)" in warning and "auto_max_packages = 2" in warning


# --- a repository of several modules, non-Go sources, tags (tests/monorepo.py) ---------------

MONO = config.parse(textwrap.dedent(monorepo.CONFIG), filename="benchguard.toml")


@pytest.fixture
def mono(tmp_path: Path) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    return monorepo.make(tmp_path)


def where(selection: Selection) -> list[tuple[str, tuple[str, ...], str]]:
    return [(s.package, s.tags, s.reason) for s in selection.selected]


def test_a_change_to_a_test_file_selects_only_its_own_package(mono: Project) -> None:
    test_file = mono.root / "hashing" / "hash_test.go"
    test_file.write_text(test_file.read_text() + "\n// a comment\n")
    selection = selecting(MONO, mono, changes(mono, "comment"))
    assert where(selection) == [
        ("./hashing", (), "hashing/hash_test.go is a test file of ./hashing")]
    assert selection.uncovered == ()


def test_an_assembly_file_selects_the_packages_built_from_its_package(mono: Project) -> None:
    monorepo.slow_assembly(mono.root, 3)
    selection = selecting(MONO, mono, changes(mono, "slower assembly"))
    assert where(selection) == [
        ("./hashing", (), f"{monorepo.ASSEMBLY}: ./hashing imports example.com/mono/asm"),
        ("./digest", (), f"{monorepo.ASSEMBLY}: ./digest imports example.com/mono/hashing, "
                         "which imports example.com/mono/asm"),
    ]


def test_a_file_in_a_nested_module_selects_from_that_module(mono: Project) -> None:
    slow_down(mono.root, "tools/fmtx/fmtx.go", 2)
    selection = selecting(MONO, mono, changes(mono, "slower format"))
    [selected] = selection.selected
    assert (selected.package, selected.module, selected.import_path, selected.reason) == (
        "./tools/fmtx", "./tools", "example.com/mono/tools/fmtx",
        "tools/fmtx/fmtx.go is in ./tools/fmtx")
    assert selection.go_runs == 1  # the nested module only


def test_a_modules_go_sum_selects_that_modules_benchmarks_only(mono: Project) -> None:
    mono.write({"tools/go.sum": "example.com/x v1.0.0 h1:abc=\n"})
    selection = selecting(MONO, mono, changes(mono, "deps"))
    assert where(selection) == [("./tools/fmtx", (), "tools/go.sum changed")]


def test_an_embedded_file_selects_the_package_that_embeds_it(mono: Project) -> None:
    mono.write({"web/page.html": "<p>hello, world</p>\n", "README.md": "# more\n"})
    selection = selecting(MONO, mono, changes(mono, "page"))
    assert where(selection) == [("./web", (), "web/page.html is in ./web")]


def test_a_file_no_benchmark_is_built_from_is_named(mono: Project) -> None:
    mono.write({"cmd/app/main.go": "package main\n\nfunc main() { println() }\n",
                "hashing/ignored.go": "//go:build ignore\n\npackage hashing\n\n// more\n",
                "scripts/gen.go": "//go:build ignore\n\npackage main\n"})
    (mono.root / "digest" / "extra.go").unlink()
    selection = selecting(MONO, mono, changes(mono, "misc"))
    assert where(selection) == [("./digest", (), "digest/extra.go is in ./digest")]
    assert [(u.path, u.why) for u in selection.uncovered] == [
        ("cmd/app/main.go", "no benchmarked package is built from ./cmd/app"),
        ("hashing/ignored.go", "build constraints leave it out (no build tags)"),
        ("scripts/gen.go", "in no Go package"),
    ]


def test_a_file_built_only_with_an_entrys_tags_selects_that_build(mono: Project) -> None:
    slow_down(mono.root, "fastpath/impl_fast.go", 2)
    settings = config.parse(textwrap.dedent(monorepo.CONFIG).replace(
        'paths = ["fastpath/**"]', 'paths = ["fastpath/*.md"]'), filename="benchguard.toml")
    selection = selecting(settings, mono, changes(mono, "slower fast path"))
    assert where(selection) == [
        ("./fastpath", ("fast",), "fastpath/impl_fast.go is in ./fastpath")]


def test_a_docs_change_outside_any_embedding_package_runs_no_go(mono: Project) -> None:
    mono.write({"README.md": "# changed\n", "tools/NOTES.md": "notes\n"})
    selection = selecting(MONO, mono, changes(mono, "docs"))
    assert (selection.selected, selection.uncovered, selection.go_runs) == ((), (), 0)


WORKSPACE = {
    "go.work": "go 1.21\n\nuse (\n\t./lib\n\t./app\n)\n",
    "lib/go.mod": "module example.com/lib\n\ngo 1.21\n",
    "lib/lib.go": "package lib\n\nconst Rounds = 1\n\nfunc Value() int { return Rounds }\n",
    "app/go.mod": "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n",
    "app/app.go": 'package app\n\nimport "example.com/lib"\n\n'
                  "func Run() int { return lib.Value() }\n",
    "app/app_test.go": "package app\n\nimport \"testing\"\n\n"
                       "func BenchmarkRun(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n"
                       "\t\tRun()\n\t}\n}\n",
    "old/go.mod": "module example.com/old\n\ngo 1.21\n",
    "old/old.go": "package old\n",
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    monkeypatch.setenv("GOFLAGS", "")  # -mod=mod is refused in workspace mode
    return make_project(tmp_path, config=None, files=WORKSPACE)


def test_a_workspace_is_listed_by_one_go_list_across_its_modules(workspace: Project) -> None:
    slow_down(workspace.root, "lib/lib.go", 2, constant="Rounds")
    workspace.write({"old/old.go": "package old\n\nconst X = 1\n", "old/go.mod":
                     "module example.com/old\n\ngo 1.22\n"})
    selection = selecting(config.Config(path=None), workspace, changes(workspace, "lib"))
    assert where(selection) == [("./app", (), "lib/lib.go: ./app imports example.com/lib")]
    assert selection.selected[0].module == "./app"
    assert selection.go_runs == 1
    assert [(u.path, u.why) for u in selection.uncovered] == [
        ("old/go.mod", "module ./old is not in go.work's use list, so go does not build it"),
        ("old/old.go", "in module ./old, which go.work does not use, so go does not build it"),
    ]


def test_a_go_work_naming_a_missing_module_is_a_configuration_error(
        workspace: Project) -> None:
    workspace.write({"go.work": WORKSPACE["go.work"].replace("./app", "./app\n\t./gone"),
                     "lib/lib.go": WORKSPACE["lib/lib.go"] + "\n// more\n"})
    with pytest.raises(BenchguardError) as raised:
        selecting(config.Config(path=None), workspace, changes(workspace, "gone"))
    assert raised.value.exit_code == EXIT_USAGE
    assert raised.value.message.startswith("go.work:6: use ./gone: there is no go.mod in ./gone")


def test_a_cgo_source_selects_the_packages_built_from_its_package(tmp_path: Path) -> None:
    if GO is None or shutil.which("gcc") is None:
        pytest.skip("needs go and gcc")
    files = {
        "go.mod": "module example.com/ffi\n\ngo 1.21\n",
        "native/work.h": "int work(int n);\n",
        "native/work.c": '#include "work.h"\n\nint work(int n) { return n * 2; }\n',
        "native/native.go": 'package native\n\n// #include "work.h"\nimport "C"\n\n'
                            "func Work(n int) int { return int(C.work(C.int(n))) }\n",
        "caller/caller.go": 'package caller\n\nimport "example.com/ffi/native"\n\n'
                            "func Call() int { return native.Work(2) }\n",
        "caller/caller_test.go": 'package caller\n\nimport "testing"\n\n'
                                 "func BenchmarkCall(b *testing.B) {\n\tfor i := 0; i < b.N; "
                                 "i++ {\n\t\tCall()\n\t}\n}\n",
    }
    project = make_project(tmp_path, config=None, files=files)
    project.write({"native/work.c": files["native/work.c"].replace("n * 2", "n * 3"),
                   "native/work.h": "int work(int n); /* doubles, now triples */\n"})
    selection = selecting(config.Config(path=None), project, changes(project, "triple"))
    assert where(selection) == [
        ("./caller", (), "native/work.c: ./caller imports example.com/ffi/native")]
    assert selection.uncovered == ()


def test_a_module_that_replaces_another_by_directory_is_listed_with_it(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    project = monorepo.make(tmp_path, extra={
        "go.mod": monorepo.GO_MOD + "\nrequire example.com/mono/tools v0.0.0\n\n"
                                    "replace example.com/mono/tools => ./tools\n",
        "user/user.go": 'package user\n\nimport "example.com/mono/tools/fmtx"\n\n'
                        "func Use() int { return fmtx.Format(nil) }\n",
        "user/user_test.go": 'package user\n\nimport "testing"\n\n'
                             "func BenchmarkUse(b *testing.B) {}\n",
    })
    slow_down(project.root, "tools/fmtx/fmtx.go", 2)
    selection = selecting(config.Config(path=None), project, changes(project, "slower format"))
    assert where(selection) == [
        ("./tools/fmtx", (), "tools/fmtx/fmtx.go is in ./tools/fmtx"),
        ("./user", (), "tools/fmtx/fmtx.go: ./user imports example.com/mono/tools/fmtx"),
    ]
    assert [s.module for s in selection.selected] == ["./tools", "."]
    assert selection.go_runs == 2  # the tools module, and the root module that builds it
