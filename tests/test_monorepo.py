"""Pushes 0.1 let through silently, blocked through the installed hook and a real `git push`:
a nested module, an assembly routine, a sub-benchmark under an alternation pattern, a tagged
build. And what a push cannot measure is said, not skipped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import monorepo
import pytest
from conftest import GO, THRESHOLD, Project, make_project, slow_down

from benchguard.store.notes import NotesStore


@pytest.fixture
def mono(tmp_path: Path) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    project = monorepo.make(tmp_path)
    assert project.benchguard("install").returncode == 0
    return project


def push(project: Project) -> subprocess.CompletedProcess[str]:
    return project.sh("git push origin main", check=False)


def blocked(project: Project, head: str, proc: subprocess.CompletedProcess[str]) -> str:
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert "regressions blocking the push:" in said, said
    assert project.remote_sha() != head
    return said


def test_a_3x_regression_in_a_nested_module_is_blocked(mono: Project) -> None:
    slow_down(mono.root, "tools/fmtx/fmtx.go", 3)
    head = mono.commit("slower format")
    said = blocked(mono, head, push(mono))
    assert "selected ./tools/fmtx all benchmarks: tools/fmtx/fmtx.go is in ./tools/fmtx" in said
    assert "pkg: example.com/mono/tools/fmtx" in said
    assert "example.com/mono/tools/fmtx.BenchmarkFormat" in said


def test_a_3x_slower_assembly_routine_in_a_package_without_benchmarks_is_blocked(
        mono: Project) -> None:
    arch = mono.sh("go env GOARCH").stdout.strip()
    if arch != "amd64":
        pytest.skip(f"the assembly routine is amd64; this is {arch}")
    monorepo.slow_assembly(mono.root, 3)
    head = mono.commit("slower assembly")
    said = blocked(mono, head, push(mono))
    assert "./hashing imports example.com/mono/asm" in said
    assert "example.com/mono/hashing.BenchmarkSum" in said


def test_a_3x_regression_of_a_sub_benchmark_under_an_alternation_is_blocked(
        mono: Project) -> None:
    slow_down(mono.root, "textx/text.go", 3, constant="smallRounds")
    head = mono.commit("slower small split")
    said = blocked(mono, head, push(mono))
    assert "example.com/mono/textx.BenchmarkSplit/small" in said
    assert "Fields/small" not in said  # `Split|Fields/big` runs Fields/big only


def test_a_3x_regression_in_the_fast_tagged_build_is_blocked(mono: Project) -> None:
    slow_down(mono.root, "fastpath/impl_fast.go", 3)
    head = mono.commit("slower fast path")
    said = blocked(mono, head, push(mono))
    assert "pkg: example.com/mono/fastpath\ntags: fast\n" in said
    assert "example.com/mono/fastpath.BenchmarkImpl-" in said and "[tags: fast]" in said
    proc = mono.benchguard("check", "--format", "json")
    [check] = json.loads(proc.stdout)["checks"]
    by_tags = {tuple(entry["tags"]): entry["verdict"] for entry in check["benchmarks"]
               if entry["metric"] == "sec/op"}
    # two series: only the tagged build's regresses. The untagged build's code did not change;
    # on a busy machine its 2000x runs can be too noisy to settle, which passes as unresolved
    assert by_tags[("fast",)] == "regression"
    assert by_tags[()] in ("same", "unresolved") and set(by_tags) == {(), ("fast",)}


def test_a_test_file_change_measures_only_its_own_package(mono: Project) -> None:
    test_file = mono.root / "hashing" / "hash_test.go"
    test_file.write_text(test_file.read_text() + "\n// why Sum is measured on 4 KiB\n")
    head = mono.commit("comment")
    proc = push(mono)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert "selected ./hashing all benchmarks: hashing/hash_test.go is a test file of " \
           "./hashing" in said
    assert "./digest" not in said
    assert mono.remote_sha() == head


def test_tagged_builds_are_two_series_in_a_stored_baseline(mono: Project) -> None:
    assert mono.benchguard("baseline").returncode == 0
    [record] = NotesStore(mono.root, "refs/notes/benchguard").read(mono.head())[0]
    assert record.samples is not None
    tags = {key.bench.tags for key in record.samples.samples
            if key.bench.name == "BenchmarkImpl"}
    assert tags == {(), ("fast",)}
    slow_down(mono.root, "fastpath/impl_fast.go", 3)
    head = mono.commit("slower fast path")
    said = blocked(mono, head, push(mono))
    assert "using the stored baseline" in said


def test_a_baseline_measured_with_another_benchtime_is_not_used(mono: Project) -> None:
    assert mono.benchguard("baseline").returncode == 0
    mono.write({"benchguard.toml": monorepo.CONFIG.replace('"2000x"', '"1000x"')})
    slow_down(mono.root, "tools/fmtx/fmtx.go", 3)
    head = mono.commit("slower format, shorter runs")
    said = blocked(mono, head, push(mono))
    assert "was measured with benchtime 2000x (now 1000x): not comparable, so the base is " \
           "measured afresh" in said
    assert "using the stored baseline" not in said


def test_benchguard_init_writes_an_entry_for_every_module(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    project = monorepo.make(tmp_path, config=None)
    proc = project.benchguard("init", "--no-sizing")
    assert proc.returncode == 0, proc.stderr
    assert "found benchmarks in 6 packages of 2 modules: ./digest, ./fastpath, ./hashing, " \
           "./textx, ./tools/fmtx, ./web" in proc.stdout
    written = (project.root / "benchguard.toml").read_text(encoding="utf-8")
    assert 'package = "./tools/fmtx"' in written and '"tools/fmtx/**"' in written
    project.commit("benchguard")
    project.sh("git push -q origin main")
    slow_down(project.root, "tools/fmtx/fmtx.go", 3)
    project.commit("slower format")
    proc = project.benchguard("check")
    assert proc.returncode == 1, proc.stderr
    assert "selected ./tools/fmtx all benchmarks: tools/fmtx/fmtx.go matched tools/fmtx/**" \
        in proc.stderr


def test_init_leaves_out_nested_modules_from_an_outer_package(tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    files = {**monorepo.FILES, "tools/tools.go": "package tools\n",
             "tools/tools_test.go": "package tools\n\nimport \"testing\"\n\n"
                                    "func BenchmarkNothing(b *testing.B) {}\n",
             "tools/inner/go.mod": "module example.com/inner\n\ngo 1.21\n",
             "tools/inner/x.go": "package inner\n"}
    project = make_project(tmp_path, config=None, files=files)
    assert project.benchguard("init", "--no-sizing").returncode == 0
    written = (project.root / "benchguard.toml").read_text(encoding="utf-8")
    assert '"!tools/inner/**"' in written  # a module of its own
    assert '"!tools/fmtx/**"' not in written  # a package of the tools module


def test_a_module_whose_dependencies_cannot_be_downloaded_fails_only_its_own_selection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    broken = {
        "broken/go.mod": "module example.com/broken\n\ngo 1.21\n\n"
                         "require example.com/nothere v1.0.0\n",
        "broken/b.go": 'package broken\n\nimport "example.com/nothere"\n\nvar X = nothere.X\n',
        "broken/b_test.go": "package broken\n\nimport \"testing\"\n\n"
                            "func BenchmarkX(b *testing.B) {}\n",
    }
    project = monorepo.make(tmp_path, extra=broken)
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    project.write({"broken/b.go": broken["broken/b.go"] + "\n// more\n"})
    slow_down(project.root, "tools/fmtx/fmtx.go", 3)
    project.commit("both")
    proc = project.benchguard("check", "--format", "json")
    assert proc.returncode == 1, proc.stderr  # the regression found in the module that loads
    [check] = json.loads(proc.stdout)["checks"]
    [failure] = check["failed"]
    assert failure.startswith("./broken (module example.com/broken): go cannot load it")
    assert "module lookup disabled by GOPROXY=off" in failure
    assert "1 selection could not be measured (on_error = \"block\": the push is blocked); " \
           "the others were checked" in proc.stderr
    project.sh("git reset -q --hard HEAD~1")
    project.write({"broken/b.go": broken["broken/b.go"] + "\n// more\n"})
    project.commit("broken only")
    proc = project.benchguard("check")
    assert proc.returncode == 3, proc.stderr
    assert "./broken (module example.com/broken): go cannot load it" in proc.stderr


def test_a_push_no_benchmark_measures_names_what_it_changed(mono: Project) -> None:
    mono.write({"cmd/app/main.go": "package main\n\nfunc main() { println(1) }\n",
                "hashing/ignored.go": "//go:build ignore\n\npackage hashing\n\n// more\n",
                "README.md": "# mono, documented\n"})
    head = mono.commit("app")
    proc = push(mono)
    assert proc.returncode == 0, proc.stderr
    assert mono.remote_sha() == head
    assert "warning: 2 changed files can change Go code but no benchmark measures it: " \
           "cmd/app/main.go (no benchmarked package is built from ./cmd/app), " \
           "hashing/ignored.go (build constraints leave it out (no build tags))" in proc.stderr
    proc = mono.benchguard("check", "--base", "HEAD~1", "--format", "json", "--verbose")
    [check] = json.loads(proc.stdout)["checks"]
    assert (check["status"], check["uncovered"]) == (
        "skipped", ["cmd/app/main.go", "hashing/ignored.go"])
    assert "not covered by any benchmark: cmd/app/main.go: no benchmarked package is built " \
           "from ./cmd/app" in proc.stderr


DIGEST_TEST = monorepo.FILES["digest/digest_test.go"]


@pytest.mark.parametrize(("broken", "said"), [
    ({"digest/extra.go": 'package digest\n\nconst Extra int = "one"\n'}, "build failed"),
    ({"digest/digest_test.go": DIGEST_TEST.replace("sink = Digest(data)", "panic(Digest(data))")},
     "a benchmark panicked"),
], ids=["does-not-build", "panics"])
def test_a_package_that_does_not_build_or_panics_fails_alone_and_the_rest_is_checked(
        mono: Project, broken: dict[str, str], said: str) -> None:
    mono.write(broken)
    fmtx = mono.root / "tools" / "fmtx" / "fmtx.go"
    fmtx.write_text(fmtx.read_text() + "\n// touched: selects ./tools/fmtx, slows nothing\n")
    head = mono.commit("broken digest")
    proc = push(mono)
    assert proc.returncode != 0 and mono.remote_sha() != head
    assert f"./digest: {said}" in proc.stderr
    assert "1 selection could not be measured (on_error = \"block\": the push is blocked)" \
        in proc.stderr
    assert "pkg: example.com/mono/tools/fmtx" in proc.stdout + proc.stderr
    # the table's own tally speaks for what was compared; the check's verdict follows it
    assert "ERROR: 1 selection could not be measured, which blocks the push; the rest was " \
        "compared above:" in proc.stdout + proc.stderr
    proc = mono.benchguard("check", "--format", "json")
    assert proc.returncode == 3
    [check] = json.loads(proc.stdout)["checks"]
    assert check["status"] == "error" and len(check["failed"]) == 1
    assert {entry["package"] for entry in check["benchmarks"]} == {"example.com/mono/tools/fmtx"}


def test_a_regression_across_modules_of_a_workspace_is_blocked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    monkeypatch.setenv("GOFLAGS", "")  # go refuses -mod=mod in workspace mode
    files = {
        "go.work": "go 1.21\n\nuse (\n\t./lib\n\t./app\n)\n",
        "lib/go.mod": "module example.com/lib\n\ngo 1.21\n",
        "lib/lib.go": "package lib\n\nconst rounds = 1\n\nfunc Work(data []byte) int {\n"
                      "\tn := 0\n\tfor r := 0; r < rounds; r++ {\n\t\tfor _, b := range data {\n"
                      "\t\t\tn += int(b)\n\t\t}\n\t}\n\treturn n\n}\n",
        "app/go.mod": "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n",
        "app/app.go": 'package app\n\nimport "example.com/lib"\n\n'
                      "func Run(data []byte) int { return lib.Work(data) }\n",
        "app/app_test.go": "package app\n\nimport \"testing\"\n\nvar sink int\n\n"
                           "func BenchmarkRun(b *testing.B) {\n\tdata := make([]byte, 4096)\n"
                           "\tfor i := 0; i < b.N; i++ {\n\t\tsink = Run(data)\n\t}\n}\n",
    }
    project = make_project(tmp_path, config=monorepo.CONFIG.split("[[bench]]")[0], files=files)
    assert project.benchguard("install").returncode == 0
    slow_down(project.root, "lib/lib.go", 3)
    head = project.commit("slower lib")
    said = blocked(project, head, push(project))
    assert "selected ./app all benchmarks: lib/lib.go: ./app imports example.com/lib" in said
    assert "example.com/app.BenchmarkRun" in said


@pytest.mark.slow
def test_a_nested_modules_kept_head_serves_the_next_pushes_while_nothing_it_is_built_from_changes(
        tmp_path: Path) -> None:
    if GO is None:
        pytest.skip("go is not installed")
    # a threshold noise never reaches: nothing is confirmed side by side, nothing blocks
    project = monorepo.make(tmp_path, config=monorepo.CONFIG.replace(f'"{THRESHOLD}"', '"1000%"'))
    assert project.benchguard("install").returncode == 0

    def push_change(path: str, line: str) -> str:
        (project.root / path).write_text((project.root / path).read_text() + line)
        project.commit(f"touch {path}")
        pushed = push(project)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        return pushed.stdout + pushed.stderr

    def planned() -> dict[str, str]:
        proc = project.benchguard("check", "--dry-run", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        [check] = json.loads(proc.stdout)["checks"]
        [step] = check["plan"]["steps"]
        assert step["package"] == "./tools/fmtx"
        return {"measure": step["measure"], "stored_at": step["stored_at"]}

    push_change("tools/fmtx/fmtx.go", "\n// one\n")
    kept = project.head()  # its head measurement of ./tools/fmtx is kept
    # ./digest, in the root module, is measured and kept; ./tools/fmtx is not built from it
    push_change("digest/extra.go", "\n// two\n")
    project.write({"tools/fmtx/fmtx.go": (project.root / "tools/fmtx/fmtx.go").read_text()
                   + "\n// three\n"})
    project.commit("touch fmtx again")
    assert planned() == {"measure": "head only", "stored_at": kept}

    # a configuration-only push with another benchtime: the kept head is no longer comparable
    project.sh("git reset -q --hard HEAD~1")
    config = project.root / "benchguard.toml"
    config.write_text(config.read_text().replace('"2000x"', '"1000x"'))
    project.commit("shorter runs")
    assert push(project).returncode == 0
    project.write({"tools/fmtx/fmtx.go": (project.root / "tools/fmtx/fmtx.go").read_text()
                   + "\n// four\n"})
    project.commit("touch fmtx once more")
    assert planned() == {"measure": "side by side", "stored_at": None}
