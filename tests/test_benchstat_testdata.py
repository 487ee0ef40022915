"""benchguard prints benchstat's numbers: every row of benchstat's own golden outputs
(cmd/benchstat/testdata of golang.org/x/perf, left in the module cache by `go install` of the
pinned benchstat) comes out of benchguard the same: names, values as formatted, ± ranges,
deltas, p and n; and every footnote benchstat prints is among benchguard's warnings.

How each golden output was made is in the testdata's main_test.go. Files benchstat compares with
`-col note` are split at their `note:` lines (what comes before the first goes to both halves,
as unit metadata carries across benchstat's files). Outputs made with other projections
(`-row /size -col /poly`, `-row .name`) or formats (csv) are reproduced from the same inputs
with benchguard's rendering functions. benchguard adds its verdict column; the column headers
(file names or note values in benchstat, base and head in benchguard) are not compared.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import GO, benchguard

from benchguard.engine import benchfmt, stats, units, verdict
from benchguard.reports.notes import render_summary

PERF = "golang.org/x/perf@v0.0.0-20260908200009-22c9c6c9d4da"


def _testdata() -> Path | None:
    cache = os.environ.get("GOMODCACHE")
    if not cache and GO:
        proc = subprocess.run([GO, "env", "GOMODCACHE"], capture_output=True, text=True,
                              check=False)
        cache = proc.stdout.strip() if proc.returncode == 0 else ""
    if not cache:
        return None
    path = Path(cache) / PERF / "cmd" / "benchstat" / "testdata"
    return path if (path / "units.stdout").is_file() else None


TESTDATA = _testdata()
pytestmark = pytest.mark.skipif(
    TESTDATA is None, reason=f"benchstat's testdata is not in the Go module cache (go install "
                             f"{PERF.replace('@', '/cmd/benchstat@')} puts it there)")

FOOTNOTE_MARKS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@dataclass
class Cells:
    """One column group of a row: a value, its ± range, and (after the base) the change."""

    center: str | None
    range: str | None
    delta: str | None
    test: str | None


_GROUP = re.compile(r"\s*(?P<center>-?\d[\d.]*[A-Za-zµ]*(?=\s|$))?\s*(?:±\s*(?P<range>\S+))?"
                    r"\s*(?P<delta>~|\?|[+-]?\d+\.\d\d%)?\s*(?P<test>\(.*\))?\s*\Z")


def _cells(text: str) -> Cells:
    match = _GROUP.match(text)
    assert match is not None, f"cannot read the cells {text!r}"
    return Cells(**match.groupdict())


@dataclass
class Table:
    unit: str
    rows: dict[str, list[Cells]]
    footnotes: list[str]


def tables(text: str, *, verdict_column: bool = False) -> list[Table]:
    """The tables of a benchstat-style output, each row cut into its column groups at the
    header's "│" columns, footnote marks dropped. benchguard's last group is its verdict."""
    footnotes = [line.split(" ", 1)[1] for line in text.splitlines()
                 if line[:1] and line[0] in FOOTNOTE_MARKS]
    lines = ["" if line[:1] and line[0] in FOOTNOTE_MARKS else
             line.translate({ord(mark): " " for mark in FOOTNOTE_MARKS})
             for line in text.splitlines()]
    found: list[Table] = []
    index = 0
    while index < len(lines):
        if "│" not in lines[index]:
            index += 1
            continue
        while index + 1 < len(lines) and "│" in lines[index + 1]:
            index += 1  # the last header line names the unit
        header = lines[index]
        cuts = [match.start() for match in re.finditer("│", header)]
        if not verdict_column:
            cuts = cuts[:-1] if len(cuts) > 2 else cuts[:1] + cuts[2:]
        unit = header[cuts[0] + 1:].split()[0]
        rows: dict[str, list[Cells]] = {}
        index += 1
        while index < len(lines) and lines[index].strip():
            line = lines[index]
            ends = [*cuts[1:], len(line)]
            groups = [line[start:end] for start, end in zip(cuts, ends, strict=True)]
            if verdict_column:
                groups = groups[:-1]
            rows[line[:cuts[0]].strip()] = [_cells(group) for group in groups]
            index += 1
        found.append(Table(unit, rows, footnotes))
    return found


def golden(name: str) -> list[Table]:
    assert TESTDATA is not None
    return tables((TESTDATA / f"{name}.stdout").read_text(encoding="utf-8"))


def assert_same_rows(expected: Table, actual: Table, *, values: bool = True) -> None:
    assert actual.unit == expected.unit
    assert list(actual.rows) == list(expected.rows)
    for name, want in expected.rows.items():
        got = actual.rows[name][:len(want)]
        if not values:
            want = [Cells(None, cell.range, cell.delta, cell.test) for cell in want]
            got = [Cells(None, cell.range, cell.delta, cell.test) for cell in got]
        assert got == want, name


def split_by_note(path: Path, directory: Path) -> list[Path]:
    """One file per `note:` section, each with the lines before the first note."""
    preamble: list[str] = []
    sections: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("note:"):
            sections.append([])
        elif sections:
            sections[-1].append(line)
        else:
            preamble.append(line)
    paths = []
    for number, section in enumerate(sections):
        paths.append(directory / f"{path.stem}.{number}.txt")
        paths[-1].write_text("\n".join([*preamble, *section]) + "\n", encoding="utf-8")
    return paths


def compare_text(old: Path, new: Path) -> tuple[list[Table], str]:
    proc = benchguard("compare", str(old), str(new), cwd=old.parent)
    assert proc.returncode in (0, 1), proc.stderr
    return tables(proc.stdout, verdict_column=True), proc.stdout


@pytest.mark.parametrize("name", ["units", "zero", "smallSample", "issue19565", "issue19634"])
def test_notes_compared_as_benchstat_col_note(name: str, tmp_path: Path) -> None:
    assert TESTDATA is not None
    before, after = split_by_note(TESTDATA / f"{name}.txt", tmp_path)
    expected = golden(name)
    actual, output = compare_text(before, after)

    assert [table.unit for table in actual] == [table.unit for table in expected]
    for want, got in zip(expected, actual, strict=True):
        assert_same_rows(want, got)
    # benchguard's own notes are warnings; a geomean's are footnotes under its table, as in
    # benchstat
    warnings = [line for line in output.splitlines()
                if line.startswith(("warning: ", *"¹²³⁴⁵⁶⁷⁸⁹"))]
    for footnote in expected[0].footnotes:
        assert any(footnote in warning for warning in warnings), footnote


def test_crc_old_and_new_as_benchstat_ignoring_their_notes(tmp_path: Path) -> None:
    assert TESTDATA is not None
    actual, output = compare_text(TESTDATA / "crc-old.txt", TESTDATA / "crc-new.txt")
    expected = golden("crcIgnore")

    assert len(actual) == len(expected) == 2
    for want, got in zip(expected, actual, strict=True):
        assert_same_rows(want, got)
    assert "warning" not in output


def test_one_file_alone_is_summarised_as_benchstat_prints_one_column() -> None:
    """crcOldNew: the two files' notes differ, so benchstat shows each alone, one column a
    table; `benchguard baseline` prints a recorded set the same way."""
    assert TESTDATA is not None
    expected = golden("crcOldNew")
    for name, want in (("crc-old.txt", expected[:2]), ("crc-new.txt", expected[2:])):
        parsed = benchfmt.parse((TESTDATA / name).read_text(encoding="utf-8"))
        got = tables(render_summary(parsed))
        assert len(got) == 2
        for want_table, got_table in zip(want, got, strict=True):
            rows = {row: cells for row, cells in want_table.rows.items() if row != "geomean"}
            assert_same_rows(Table(want_table.unit, rows, []), got_table)
        # the geomean row of a one-column table: a value on its own scale
        itself = verdict.compare(parsed, parsed)
        for want_table, row in zip(want, itself.geomeans, strict=True):
            assert row.base is not None
            assert want_table.rows["geomean"][0].center == units.format_value(row.base, row.unit)


def _by_poly(path: Path, directory: Path) -> dict[str, Path]:
    """-filter /align:0 -row /size -col /poly: one file per poly, benchmarks named by size."""
    polys: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"BenchmarkCRC32/poly=(\w+)/size=(\w+)/align=0-8(\s.*)", line)
        if match:
            poly, size, rest = match.groups()
            polys.setdefault(poly, []).append(f"Benchmark{size}{rest}")
    files = {}
    for poly, lines in polys.items():
        files[poly] = directory / f"{poly}.txt"
        files[poly].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


def test_sizes_by_polynomial_as_benchstat_rows_and_columns(tmp_path: Path) -> None:
    """crcSizeVsPoly has three columns; benchguard compares two sides. Each comparison with the
    base column comes from `benchguard compare`; the values are formatted by benchguard's
    units module with the scale of the whole row, as benchstat's RowScaler."""
    assert TESTDATA is not None
    files = _by_poly(TESTDATA / "crc-new.txt", tmp_path)
    expected = golden("crcSizeVsPoly")
    base = benchfmt.parse(files["IEEE"].read_text(encoding="utf-8"))
    columns = {poly: verdict.compare(base, benchfmt.parse(path.read_text(encoding="utf-8")))
               for poly, path in files.items()}
    for position, poly in enumerate(["Castagnoli", "Koopman"], start=1):
        got, _ = compare_text(files["IEEE"], files[poly])
        for want_table, got_table in zip(expected, got, strict=True):
            rows = {row: [cells[0], cells[position]] for row, cells in want_table.rows.items()}
            assert_same_rows(Table(want_table.unit, rows, []), got_table, values=False)

    for want_table in expected:
        unit = want_table.unit
        for row, cells in want_table.rows.items():
            if row == "geomean":  # each column's geomean alone
                geomeans = [next(g for g in columns[poly].geomeans if g.unit == unit).head
                            for poly in ("IEEE", "Castagnoli", "Koopman")]
                shown = [units.format_value(value, unit) for value in geomeans if value]
            else:  # one scale for the row
                medians = [next(c for c in columns[poly].comparisons if c.series.unit == unit
                                and c.series.bench.short_label == row).head
                           for poly in ("IEEE", "Castagnoli", "Koopman")]
                centers = [median.center for median in medians if median is not None]
                scale = units.common_scale(centers, unit)
                shown = [scale.format(center) for center in centers]
            assert [cell.center for cell in cells] == shown, (unit, row)


def _csv(name: str) -> list[list[str]]:
    assert TESTDATA is not None
    return [line.split(",") for line in
            (TESTDATA / f"{name}.stdout").read_text(encoding="utf-8").splitlines()]


def test_old_and_new_as_benchstat_csv_prints_them_to_the_last_digit(tmp_path: Path) -> None:
    """csvOldNew prints each median in full (Go's %v): benchguard's medians are the same
    floats, in its JSON; the other cells are those of its text table."""
    assert TESTDATA is not None
    old, new = TESTDATA / "old.txt", TESTDATA / "new.txt"
    proc = benchguard("compare", str(old), str(new), "--format", "json", cwd=tmp_path)
    document = json.loads(proc.stdout)
    (table,) = compare_text(old, new)[0]
    medians = {f"{entry['name'].removeprefix('Benchmark')}-{entry['procs']}":
               (entry["base"]["median"], entry["head"]["median"])
               for entry in document["benchmarks"]}
    (geomean,) = document["geomean"]
    medians["geomean"] = (geomean["base"], geomean["head"])

    rows = _csv("csvOldNew")[5:]
    assert [row[0] for row in rows] == list(table.rows)
    for name, base, base_range, head, head_range, delta, test in rows:
        assert (units.go_float(medians[name][0]), units.go_float(medians[name][1])) == (base,
                                                                                        head)
        base_cells, head_cells = table.rows[name]
        assert (base_cells.range or "", head_cells.range or "") == (base_range, head_range)
        assert head_cells.delta == delta
        assert (head_cells.test or "()")[1:-1] == test


def test_one_name_over_its_sub_benchmarks_as_benchstat_csv_row_name(tmp_path: Path) -> None:
    """csvErrors (-row .name new.txt): Encode's two sub-benchmarks make one row. benchstat also
    warns that they vary in .fullname; benchguard has no such projections."""
    assert TESTDATA is not None
    merged = re.sub(r"BenchmarkEncode/format=\w+-48", "BenchmarkEncode",
                    (TESTDATA / "new.txt").read_text(encoding="utf-8"))
    path = tmp_path / "encode.txt"
    path.write_text(merged, encoding="utf-8")
    (table,) = compare_text(path, path)[0]
    parsed = benchfmt.parse(merged)
    (values,) = parsed.samples.values()
    median = stats.summarize(values).center

    (row, geomean) = _csv("csvErrors")[5:]
    assert row == ["Encode", units.go_float(median), table.rows["Encode"][0].range]
    assert geomean == ["geomean", units.go_float(stats.geomean([median])), ""]
