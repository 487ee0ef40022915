"""Reading `go test -bench` output: real output from a small Go module, and malformed input."""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest
from conftest import GO, write

from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, merge, parse, tidy_unit

TINY_MODULE = {
    "go.mod": """
        module example.com/tiny

        go 1.21
    """,
    "codec/codec_test.go": """
        package codec

        import (
            "fmt"
            "testing"
        )

        var sink int

        func BenchmarkParse(b *testing.B) {
            for _, size := range []int{8, 64} {
                b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
                    b.SetBytes(int64(size))
                    for i := 0; i < b.N; i++ {
                        sink += size
                    }
                    b.ReportMetric(float64(size)/2, "widgets/op")
                })
            }
        }

        func BenchmarkLogs(b *testing.B) {
            b.Log("a benchmark that logs")
            for i := 0; i < b.N; i++ {
                sink++
            }
        }
    """,
    # the same benchmark name in a second package
    "other/other_test.go": """
        package other

        import "testing"

        func BenchmarkLogs(b *testing.B) {
            for i := 0; i < b.N; i++ {
            }
        }
    """,
}


@pytest.fixture(scope="module")
def go_output(tmp_path_factory: pytest.TempPathFactory,
              go_caches: dict[str, str]) -> dict[str, str]:
    """Output of the real `go test -bench`, plain (GOMAXPROCS=2) and verbose (GOMAXPROCS=1)."""
    if GO is None:
        pytest.skip("go is not installed")
    root = tmp_path_factory.mktemp("tiny")
    write(root, TINY_MODULE)
    env = {**os.environ, **go_caches, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}

    def go_test(*flags: str, procs: str) -> str:
        return subprocess.run(
            ["go", "test", "-run", "^$", "-bench", ".", "-benchtime", "100x", *flags, "./..."],
            cwd=root, env={**env, "GOMAXPROCS": procs}, capture_output=True, text=True,
            check=True).stdout

    return {"plain": go_test("-count", "3", "-benchmem", procs="2"),
            "verbose": go_test("-v", "-count", "1", procs="1")}


def units_of(result: BenchmarkSet, bench: BenchKey) -> list[str]:
    return [key.unit for key in result.samples if key.bench == bench]


def test_real_output_gives_samples_per_benchmark_and_tidy_unit(go_output: dict[str, str]) -> None:
    result = parse(go_output["plain"], source="bench.txt")

    assert result.warnings == []
    parse8 = BenchKey("example.com/tiny/codec", "BenchmarkParse/size=8", 2)
    assert units_of(result, parse8) == ["sec/op", "B/s", "widgets/op", "B/op", "allocs/op"]
    assert all(len(result.samples[SeriesKey(parse8, u)]) == 3 for u in units_of(result, parse8))
    assert result.samples[SeriesKey(parse8, "widgets/op")] == [4.0, 4.0, 4.0]
    assert all(0 < value < 1e-3 for value in result.samples[SeriesKey(parse8, "sec/op")])
    assert result.configuration["goos"] and result.configuration["goarch"]
    assert "cpu" in result.configuration


def test_same_name_in_two_packages_stays_two_benchmarks(go_output: dict[str, str]) -> None:
    result = parse(go_output["plain"])

    packages = {key.bench.package for key in result.samples if key.bench.name == "BenchmarkLogs"}
    assert packages == {"example.com/tiny/codec", "example.com/tiny/other"}


def test_log_lines_and_verbose_names_are_ignored(go_output: dict[str, str]) -> None:
    assert "--- BENCH: BenchmarkLogs" in go_output["plain"]
    assert "\nBenchmarkParse\n" in go_output["verbose"]
    result = parse(go_output["verbose"])

    assert result.warnings == []
    benches = {key.bench for key in result.samples}
    assert BenchKey("example.com/tiny/codec", "BenchmarkParse/size=64", 1) in benches
    assert BenchKey("example.com/tiny/codec", "BenchmarkLogs", 1) in benches
    assert all(len(values) == 1 for values in result.samples.values())


def test_units_are_tidied_as_benchstat_does() -> None:
    result = parse("BenchmarkX-4  100  1500 ns/op  250 MB/s  64 B/op  2 allocs/op  7 frobs\n")
    bench = BenchKey("", "BenchmarkX", 4)
    assert result.samples == {
        SeriesKey(bench, "sec/op"): [1500 * 1e-9],
        SeriesKey(bench, "B/s"): [250 * 1e6],
        SeriesKey(bench, "B/op"): [64.0],
        SeriesKey(bench, "allocs/op"): [2.0],
        SeriesKey(bench, "frobs"): [7.0],
    }
    assert tidy_unit("ns/MB") == ("sec/MB", 1e-9)  # only the numerator is rescaled
    assert tidy_unit("MB*ns/op") == ("B*sec/op", 1e6 / 1e9)
    assert tidy_unit("nsec/op") == ("nsec/op", 1.0)


def test_configuration_lines_follow_the_format() -> None:
    text = textwrap.dedent("""\
        pkg: example.com/a
        note: first
        BenchmarkA 1 1 ns/op
        note:
        Uppercase: not a key
        url:http://not-a-key
        pkg: example.com/b
        BenchmarkA 1 2 ns/op
    """)
    result = parse(text)

    assert result.configuration == {"pkg": "example.com/b"}
    assert [key.bench.package for key in result.samples] == ["example.com/a", "example.com/b"]


def test_gomaxprocs_suffix_is_split_only_when_it_is_a_number() -> None:
    result = parse("BenchmarkA/n=-3-16 1 1 ns/op\n"
                   "BenchmarkB/x- 1 1 ns/op\n"
                   "BenchmarkC-x 1 1 ns/op\n")

    assert [(k.bench.name, k.bench.procs) for k in result.samples] == [
        ("BenchmarkA/n=-3", 16), ("BenchmarkB/x-", 1), ("BenchmarkC-x", 1)]


def test_unit_metadata_says_which_way_is_better() -> None:
    text = textwrap.dedent("""\
        Unit hits/op better=higher assume=nothing
        Unit ns/op better=lower
        Unit hits/op better=lower
        Unit misses/op better=sideways
        BenchmarkA 1 5 hits/op
    """)
    result = parse(text, source="meta.txt")

    assert result.higher_is_better == {"hits/op": True, "sec/op": False}
    assert result.warnings == [
        "meta.txt:3: unit hits/op: better already set to higher",
        "meta.txt:4: unit misses/op: better must be higher or lower, not 'sideways'",
    ]


def test_unit_metadata_says_which_units_are_exact_as_benchstat_reads_it() -> None:
    """`assume=exact`: the unit's values are exact, not samples (a binary's size); tidy units,
    the first setting wins, and what benchfmt would not understand is a warning."""
    text = textwrap.dedent("""\
        Unit text-bytes assume=exact
        Unit ns/op assume=nothing
        Unit text-bytes assume=nothing
        Unit frobs assume=normal
        Unit MB/s assume=exact color=blue
        BenchmarkA 1 5 text-bytes
    """)
    result = parse(text, source="units.txt")

    assert result.assume_exact == {"text-bytes": True, "sec/op": False, "B/s": True}
    assert result.warnings == [
        "units.txt:3: unit text-bytes: assume already set to exact",
        "units.txt:4: unit frobs: assume must be exact or nothing, not 'normal'",
    ]
    both = merge([parse("Unit x assume=exact\n"), parse("Unit x assume=nothing\nUnit y "
                                                         "assume=nothing\n")])
    assert both.assume_exact == {"x": True, "y": False}


def test_malformed_result_lines_are_warnings_with_line_numbers() -> None:
    text = textwrap.dedent("""\
        BenchmarkGood-8  100  5 ns/op
        BenchmarkGood-8  100  abc ns/op
        BenchmarkGood-8  many  5 ns/op
        BenchmarkGood-8  100  5
        BenchmarkGood-8  100
        BenchmarkGood-8  100  6 ns/op
        --- FAIL: BenchmarkBroken
        Benchmarking is fun
        ok  	example.com/x	0.1s
    """)
    result = parse(text, source="bad.txt")

    good = SeriesKey(BenchKey("", "BenchmarkGood", 8), "sec/op")
    assert result.samples == {good: [5 * 1e-9, 6 * 1e-9]}
    assert result.warnings == [
        "bad.txt:2: parsing measurement of BenchmarkGood-8: invalid number 'abc'",
        "bad.txt:3: parsing iteration count of BenchmarkGood-8: invalid number 'many'",
        "bad.txt:4: missing unit after '5' for BenchmarkGood-8",
        "bad.txt:5: missing measurements for BenchmarkGood-8",
        "bad.txt:8: parsing iteration count of Benchmarking: invalid number 'is'",
    ]


def test_garbage_never_crashes() -> None:
    text = "\x00\ufeffBenchmark\n\tBenchmark 1\nUnit\nBenchmarkX 1 1e999 ns/op 1 é/op\n:\nk:\n" * 3
    result = parse(text)
    assert result.warnings
    assert parse("").samples == {}


def test_merge_keeps_every_sample_in_order() -> None:
    first = parse("pkg: p\nBenchmarkA 1 1 ns/op\nUnit x better=higher\n", source="a")
    second = parse("pkg: p\nBenchmarkA 1 2 ns/op\nBenchmarkB 1 3 ns/op\nBenchmarkA 1 x ns/op\n",
                   source="b")
    merged = merge([first, second])

    assert merged.samples == {
        SeriesKey(BenchKey("p", "BenchmarkA"), "sec/op"): [1 * 1e-9, 2 * 1e-9],
        SeriesKey(BenchKey("p", "BenchmarkB"), "sec/op"): [3 * 1e-9],
    }
    assert merged.higher_is_better == {"x": True}
    assert merged.configuration == {"pkg": "p"}
    assert len(merged.warnings) == 1 and merged.warnings[0].startswith("b:4:")


def test_a_large_file_parses_the_same_as_line_by_line() -> None:
    lines = []
    for run in range(5):
        for index in range(50):
            allocs = index % 3
            lines.append(f"BenchmarkF{index}-8 {1000 + run} {index + run / 10} ns/op "
                         f"{allocs * 8} B/op {allocs} allocs/op")
    lines.insert(120, "BenchmarkF3-8 10 7 ns/op")  # a line with fewer units than the others
    result = parse("\n".join(lines))

    one_by_one: dict[SeriesKey, list[float]] = {}
    for line in lines:
        for key, values in parse(line).samples.items():
            one_by_one.setdefault(key, []).extend(values)
    assert result.samples == one_by_one
    assert not result.warnings


def test_a_large_file_parsed_in_a_second_process_reads_the_same_as_in_this_one() -> None:
    from benchguard.engine.benchfmt import parse_large

    lines = ["goos: linux", "pkg: example.com/big", "Unit widgets/op better=higher assume=exact"]
    for i in range(16_000):
        lines.append(f"BenchmarkItem/n={i % 4000}-2 \t 1000\t {100 + i % 37}.5 ns/op\t"
                     f" {i % 3} B/op\t 1 allocs/op\t {i % 5} widgets/op")
        if i == 7_000:
            lines += ["pkg: example.com/other", "BenchmarkBroken-2 12 abc ns/op"]
    text = "\n".join(lines) + "\n"
    assert len(text) > 1_000_000  # large enough for the second process
    other = parse("pkg: example.com/big\nBenchmarkItem/n=1-2 10 100 ns/op\n")

    in_child = parse_large(text, source="big.txt")(other)
    here = parse(text, source="big.txt")

    assert in_child.samples == here.samples
    assert in_child.warnings == here.warnings and len(here.warnings) == 1
    assert in_child.higher_is_better == here.higher_is_better == {"widgets/op": True}
    assert in_child.assume_exact == here.assume_exact == {"widgets/op": True}
    assert in_child.configuration == here.configuration
    shared = SeriesKey(BenchKey("example.com/big", "BenchmarkItem/n=1", 2), "sec/op")
    [key] = [key for key in in_child.samples if key == shared]
    assert key is next(iter(other.samples))  # the series both sides have share their key
