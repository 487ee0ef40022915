from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from benchguard import config
from benchguard.config import BenchEntry, Config, paths
from benchguard.engine.durations import parse_duration
from benchguard.errors import EXIT_USAGE, BenchguardError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def parse(text: str) -> Config:
    return config.parse(textwrap.dedent(text).lstrip("\n"), filename="benchguard.toml")


def error_of(text: str) -> str:
    with pytest.raises(BenchguardError) as caught:
        parse(text)
    assert caught.value.exit_code == EXIT_USAGE
    return caught.value.message


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    loaded = config.load(tmp_path)
    assert loaded == Config(path=None)
    assert (loaded.count, loaded.benchtime, loaded.threshold, loaded.alpha, loaded.timeout) == (
        6, "1s", 0.05, 0.05, "10m")
    assert loaded.metrics == ("sec/op", "B/op", "allocs/op")
    assert loaded.always == ()  # a module's go.mod and go.sum select its packages without it
    assert (loaded.notes_ref, loaded.auto, loaded.auto_max_packages, loaded.on_error) == (
        "refs/notes/benchguard", True, 8, "block")
    assert loaded.benches == ()


def test_a_full_file_loads_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "benchguard.toml").write_text(textwrap.dedent("""
        count = 10
        benchtime = "100x"
        threshold = "2.5%"
        alpha = 0.01
        timeout = "1m30s"
        metrics = ["sec/op"]
        always = ["go.mod"]
        notes_ref = "refs/notes/perf"
        auto = false
        auto_max_packages = 3
        on_error = "warn"

        [[bench]]
        paths = ["hashing/**"]
        package = "./hashing"
        pattern = "BenchmarkSum"
        tags = ["bench_heavy"]
        threshold = 0.1

        [[bench]]
        paths = ["parse/**", "lex/**"]
        packages = ["./parse", "./lex/"]
    """).lstrip(), encoding="utf-8")
    loaded = config.load(tmp_path)
    assert loaded.path == str((tmp_path / "benchguard.toml").resolve())
    assert (loaded.count, loaded.benchtime, loaded.threshold, loaded.alpha) == (
        10, "100x", 0.025, 0.01)
    assert (loaded.timeout, loaded.metrics, loaded.always, loaded.notes_ref) == (
        "1m30s", ("sec/op",), ("go.mod",), "refs/notes/perf")
    assert (loaded.auto, loaded.auto_max_packages, loaded.on_error) == (False, 3, "warn")
    assert loaded.benches == (
        BenchEntry(paths=("hashing/**",), packages=("./hashing",), pattern="BenchmarkSum",
                   tags=("bench_heavy",), threshold=0.1, line=13),
        BenchEntry(paths=("parse/**", "lex/**"), packages=("./parse", "./lex"), line=20),
    )
    assert loaded.threshold_for(loaded.benches[0], "sec/op") == 0.1
    assert loaded.threshold_for(loaded.benches[1], "sec/op") == 0.025


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BenchguardError, match=r"other\.toml: no such configuration file"):
        config.load(tmp_path, tmp_path / "other.toml")


@pytest.mark.parametrize("written, fraction", [
    ('"5%"', 0.05), ('"12.5%"', 0.125), ('"0%"', 0.0), ("0.05", 0.05), ("0", 0.0),
    ('"0.05"', 0.05),  # as `compare --threshold 0.05` takes it
])
def test_threshold_is_a_percentage_or_a_fraction(written: str, fraction: float) -> None:
    assert parse(f"threshold = {written}").threshold == pytest.approx(fraction)


@pytest.mark.parametrize("text, message", [
    # syntax errors keep tomllib's reason and move its position to the front
    ('count = 6\nthreshold = "5%\n', 'benchguard.toml:2: invalid TOML: Illegal character'),
    ("count = 6\n\ntreshold = 0.1\n",
     "benchguard.toml:3: unknown key 'treshold' — did you mean 'threshold'?"),
    ("notes = 1\n", "benchguard.toml:1: unknown key 'notes' — did you mean 'notes_ref'?"),
    ("count = 6\n[report]\nx = 1\n", "benchguard.toml:2: unknown key 'report'"),
    ('count = "six"\n', "benchguard.toml:1: count must be an integer ≥ 1, got 'six'"),
    ("count = 0\n", "benchguard.toml:1: count must be an integer ≥ 1, got 0"),
    ("count = true\n", "benchguard.toml:1: count must be an integer ≥ 1, got true"),
    ("alpha = 0.05\ncount = 1\n",
     "benchguard.toml:2: count = 1 cannot be decided: check compares base and head round by "
     "round and needs at least 2 rounds to see their noise; use count = 6 (the default) or more"),
    ("confirm = false\ncount = 3\n",
     "benchguard.toml:2: count = 3 can never show a significant difference against a stored "
     "baseline at alpha = 0.05 (the smallest possible p is 0.1), and confirm = false leaves the "
     "verdict to it; use count = 4 or more, or confirm = true"),
    ("count = 4\nalpha = 0.01\nconfirm = false\n", "benchguard.toml:1: count = 4 can never "
     "show a significant difference against a stored baseline at alpha = 0.01 (the smallest "
     "possible p is 0.0286)"),
    ('threshold = "5"\n', 'benchguard.toml:1: threshold must be a percentage like "5%" or a '
     "fraction like 0.05, got '5'"),
    ("threshold = 5\n", "benchguard.toml:1: threshold must be a percentage like \"5%\" or a "
     "fraction like 0.05, got 5 (a fraction must be below 1; did you mean \"5%\"?)"),
    ('threshold = "-1%"\n', "benchguard.toml:1: threshold must be a percentage"),
    ("alpha = 1.5\n", "benchguard.toml:1: alpha must be a number between 0 and 1 (exclusive), "
     "got 1.5"),
    ('benchtime = "fast"\n', 'benchguard.toml:1: benchtime must be a Go duration like "1s" or an '
     "iteration count like \"100x\", got 'fast'"),
    ('benchtime = "0x"\n', "benchguard.toml:1: benchtime must be"),
    ('timeout = "10"\n', "benchguard.toml:1: timeout must be a Go duration like \"10m\" or "
     "\"90s\", got '10'"),
    ('metrics = "sec/op"\n', "benchguard.toml:1: metrics must be a list of non-empty strings, "
     "got 'sec/op'"),
    ('on_error = "ignore"\n', "benchguard.toml:1: on_error must be \"block\" or \"warn\", "
     "got 'ignore'"),
    ("ci = true\n", "benchguard.toml:1: ci must be a table, written [ci]; got a boolean"),
    ("[ci]\ntrust_head = true\n",
     "benchguard.toml:2: unknown key 'trust_head' in [ci] — did you mean 'trust_head_config'?"),
    ('[ci]\ntrust_head_trailers = "yes"\n',
     "benchguard.toml:2: trust_head_trailers must be true or false, got 'yes'"),
    ('notes_ref = "benchguard"\n', "benchguard.toml:1: notes_ref must be a ref under "
     'refs/notes/ like "refs/notes/benchguard" (git notes merge works only there), '
     "got 'benchguard'"),
    # the notes store accepts nothing else: one rule (benchguard.config.values.check_notes_ref)
    ('count = 6\nnotes_ref = "refs/heads/perf"\n', "benchguard.toml:2: notes_ref must be a "
     "ref under refs/notes/"),
    ('notes_ref = "refs/notes/"\n', "benchguard.toml:1: notes_ref must be a ref under"),
    ('notes_ref = "refs/notes/a..b"\n', "benchguard.toml:1: notes_ref must be a ref under"),
    # a value that spans lines is shown escaped: an error is one line
    ('count = """six\nseven"""\n', "benchguard.toml:1: count must be an integer ≥ 1, got "
     "'six\\x0aseven'"),
    ('always = ["go.mod", "tools\\\\"]\n', "benchguard.toml:1: always: 'tools\\' is not a "
     "valid pattern"),
    ("auto = 1\n", "benchguard.toml:1: auto must be true or false, got 1"),
    ('count = 6\nthresholds = "5%"\n', "benchguard.toml:2: thresholds must be a table of "
     "metrics"),
    ('thresholds = { "sec/op" = 5 }\n', "benchguard.toml:1: thresholds: 'sec/op' must be a "
     'percentage like "5%"'),
    ('thresholds = { "ns/op" = "5%", "sec/op" = "3%" }\n', "benchguard.toml:1: thresholds: "
     "'sec/op' and 'ns/op' are the same metric (sec/op)"),
    ('count = 6\n\n[min_effect]\n"sec/op" = "fast"\n', "benchguard.toml:3: min_effect: "
     "'sec/op' must be a Go duration like \"2ns\", got 'fast'"),
    ('min_effect = { "B/op" = "64 bytes" }\n', "benchguard.toml:1: min_effect: 'B/op' must be "
     'a size like "64B", "1KiB" or "1kB"'),
    ('min_effect = { "allocs/op" = "1" }\n', "benchguard.toml:1: min_effect: 'allocs/op' must "
     "be a number of allocs/op, got '1'"),
    ('min_effect = { "sec/op" = -2 }\n', "benchguard.toml:1: min_effect: 'sec/op' must not be "
     "negative"),
])
def test_every_top_level_error_names_file_and_line(text: str, message: str) -> None:
    assert error_of(text).startswith(message)


BENCH = """\
count = 6

[[bench]]
paths = ["hashing/**"]
package = "./hashing"

[[bench]]
paths = ["parse/**"]
"""


@pytest.mark.parametrize("extra, message", [
    ('package = "./parse"\npatern = "Fields"\n',
     "benchguard.toml:10: unknown key 'patern' in [[bench]] — did you mean 'pattern'?"),
    ('package = "parse"\n', "benchguard.toml:9: package must be \".\" or start with \"./\" "
     "(a directory relative to the module root), got 'parse'"),
    ('packages = ["./parse", "../elsewhere"]\n', "benchguard.toml:9: packages must be \".\" or "
     "start with \"./\""),
    ('package = "./..."\n', "benchguard.toml:9: package: './...': '...' patterns are not "
     "supported"),
    ('package = "./parse"\npattern = "Benchmark(Fields"\n',
     "benchguard.toml:10: pattern 'Benchmark(Fields' is not a valid regular expression: "
     "missing ), unterminated subpattern"),
    ('package = "./parse"\nthreshold = "ten%"\n', "benchguard.toml:10: threshold must be a "
     "percentage"),
    ('package = "./parse"\ntags = ["a b"]\n', "benchguard.toml:10: tags must be Go build tags"),
    ('package = "./parse"\nmin_effect = { "sec/op" = "2" }\n', "benchguard.toml:10: "
     "min_effect: 'sec/op' must be a Go duration"),
    ('package = "./parse"\nthresholds = { "allocs/op" = 1 }\n', "benchguard.toml:10: "
     "thresholds: 'allocs/op' must be a percentage"),
    ("", "benchguard.toml:7: [[bench]] needs exactly one of package = \"./dir\" or packages"),
    ('package = "./parse"\npackages = ["./lex"]\n', "benchguard.toml:7: [[bench]] needs exactly "
     "one of package"),
])
def test_errors_inside_a_bench_entry_point_at_that_entry(extra: str, message: str) -> None:
    assert error_of(BENCH + extra).startswith(message)


def test_thresholds_and_min_effect_per_metric_take_the_most_specific_setting() -> None:
    loaded = parse("""
        threshold = "5%"
        thresholds = { "allocs/op" = "0%", "ns/op" = "3%" }
        min_effect = { "sec/op" = "2ns", "B/op" = "1KiB", "MB/s" = 1 }

        [[bench]]
        paths = ["a/**"]
        package = "./a"
        threshold = "10%"
        thresholds = { "B/op" = "1%" }
        min_effect = { "ns/op" = 5, "allocs/op" = 2 }

        [[bench]]
        paths = ["b/**"]
        package = "./b"
    """)
    first, second = loaded.benches
    assert loaded.threshold_for(first, "B/op") == 0.01  # the entry's per-metric threshold
    assert loaded.threshold_for(first, "sec/op") == 0.1  # the entry's threshold
    assert loaded.threshold_for(second, "sec/op") == 0.03  # top level, per metric ("ns/op")
    assert loaded.threshold_for(second, "allocs/op") == 0.0
    assert loaded.threshold_for(None, "B/s") == 0.05  # the top-level threshold
    assert loaded.min_effect_for(first, "sec/op") == pytest.approx(5e-9)  # "ns/op" = 5
    assert loaded.min_effect_for(second, "sec/op") == pytest.approx(2e-9)  # "2ns"
    assert loaded.min_effect_for(second, "B/op") == 1024
    assert loaded.min_effect_for(None, "B/s") == 1e6  # "MB/s" = 1
    assert loaded.min_effect_for(first, "allocs/op") == 2
    assert loaded.min_effect_for(second, "allocs/op") is None
    sizes = parse('min_effect = { "B/op" = "1.5kB", "B/s" = "2MiB" }').min_effect
    assert dict(sizes) == {"B/op": 1500.0, "B/s": 2 * 1024 ** 2}


def test_a_bench_entry_without_paths_is_an_error() -> None:
    assert error_of('[[bench]]\npackage = "./x"\n').startswith(
        "benchguard.toml:1: [[bench]] needs paths")


def test_bench_must_be_an_array_of_tables() -> None:
    assert error_of('count = 6\n[bench]\npaths = ["x"]\n') == (
        "benchguard.toml:2: bench must be an array of tables, written [[bench]]; got a table")


def test_the_projects_own_example_loads() -> None:
    loaded = config.load(PROJECT_ROOT)
    assert loaded.path is not None
    assert loaded.benches


@pytest.mark.parametrize("pattern, path, matches", [
    ("hashing/**", "hashing/hash.go", True),
    ("hashing/**", "hashing/internal/deep/x.go", True),
    ("hashing/**", "vendor/hashing/hash.go", False),  # a "/" inside anchors at the root
    ("hashing", "hashing/hash.go", True),  # a directory matches everything under it
    ("hashing", "lib/hashing/hash.go", True),  # no "/": any depth
    ("hashing/", "hashing/hash.go", True),
    ("hash.go", "hashing", False),
    ("hash.go/", "hashing/hash.go", False),  # a trailing "/" only matches directories
    ("*.go", "hashing/hash.go", True),
    ("*.go", "README.md", False),
    ("/*.go", "main.go", True),
    ("/*.go", "cmd/main.go", False),
    ("./cmd/*.go", "cmd/main.go", True),
    ("hashing/*.go", "hashing/sub/x.go", False),  # "*" stays within a segment
    ("**/testdata/**", "a/b/testdata/in.txt", True),
    ("**/testdata/**", "testdata/in.txt", True),
    ("a/**/b.go", "a/b.go", True),
    ("a/**/b.go", "a/x/y/b.go", True),
    ("?.go", "a.go", True),
    ("?.go", "ab.go", False),
    ("[ab].go", "b.go", True),
    ("[!ab].go", "a.go", False),
    ("[!ab].go", "c.go", True),
    ("go.mod", "tools/go.mod", True),
    ("/go.mod", "tools/go.mod", False),
    (r"\*.go", "*.go", True),
    (r"\*.go", "a.go", False),
    ("#notes.md", "#notes.md", True),  # a list entry, not a .gitignore line: no comments
    ("!hashing/**", "hashing/hash.go", False),  # "!" only excludes, within a list
])
def test_path_matches_like_gitignore(pattern: str, path: str, matches: bool) -> None:
    assert paths.path_matches(pattern, path) is matches


@pytest.mark.parametrize("patterns, path, matches", [
    (["hashing/**", "!hashing/testdata/**"], "hashing/hash.go", True),
    (["hashing/**", "!hashing/testdata/**"], "hashing/testdata/input.bin", False),
    (["hashing/**", "!hashing/testdata/**"], "parse/parse.go", False),
    # the last matching pattern wins, so a later pattern includes again
    (["hashing/**", "!hashing/testdata/**", "hashing/testdata/keep.go"],
     "hashing/testdata/keep.go", True),
    # an excluded directory does not stop a later exclusion inside it from mattering
    (["hashing/", "!hashing/keep.go"], "hashing/keep.go", False),
    (["!hashing/hash.go", "hashing/**"], "hashing/hash.go", True),
    (["./hashing/**", "!./hashing/gen.go"], "hashing/gen.go", False),
    (["./hashing/**", "!./hashing/gen.go"], "hashing/hash.go", True),
    (["**/*.go", "!*_test.go"], "hashing/hash_test.go", False),
    ([], "hashing/hash.go", False),
])
def test_a_list_matches_like_a_gitignore(patterns: list[str], path: str, matches: bool) -> None:
    assert paths.matches_any(patterns, path) is matches


def test_go_durations() -> None:
    assert parse_duration("1m30s") == 90
    assert parse_duration("250ms") == pytest.approx(0.25)
    assert parse_duration("0") == 0
    with pytest.raises(ValueError):
        parse_duration("10")


# The patterns and files of real configurations, and the corners of gitignore(5).
ORACLE_PATTERNS = ["*.go", "**/*.go", "a/**", "/a/*", "a/", "a", "a/b/", "**/b", "a/**/c.go",
                   "*_test.go", "[abc]*.go", "[!a]*.go", "a?/b.go", "**", "/**", "a/**/",
                   "**/testdata/**", "/*.go", "b.go/", "a/*/c.go", "*/c.go", "x[!y]z",
                   "a/b", "c.go", "/c.go", "a*", "a/**/b/**", "a\\*b", "go.mod"]
ORACLE_PATHS = ["a", "a.go", "b.go", "c.go", "ab.go", "a/b.go", "a/c.go", "a/b/c.go",
                "a/x/y/c.go", "b/a/c.go", "a/b/x/y.go", "x/a/b.go", "testdata/in.txt",
                "a/testdata/x/in.txt", "a_test.go", "a/b_test.go", "xqz", "xyz", "ax/b.go",
                "a*b", "aXb", "go.mod", "tools/go.mod", "b/b", "a/b"]


@pytest.mark.parametrize("pattern", ORACLE_PATTERNS)
def test_each_pattern_matches_as_pathspecs_gitignore_spec_does(pattern: str) -> None:
    pathspec = pytest.importorskip("pathspec")
    for negated in (False, True):
        patterns = ["**", f"!{pattern}"] if negated else [pattern]
        spec = pathspec.GitIgnoreSpec.from_lines(
            [p.replace("./", "/", 1) if p.startswith("./") else p for p in patterns])
        for path in ORACLE_PATHS:
            assert paths.matches_any(patterns, path) is bool(spec.match_file(path)), \
                (patterns, path)
