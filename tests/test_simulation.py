"""The simulation instrument (issue 23, docs/simulation.md): counts instead of times. Unit tests of
its numbers and records, then a few real runs of valgrind on real Go code — skipped, saying why,
where valgrind (or linux/amd64) is missing."""

from __future__ import annotations

import json
import os
import platform
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, GO, Project, make_project, sh, slow_down

from benchguard import config
from benchguard.engine import callgrind, simulation
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, parse
from benchguard.engine.callgrind import Counts, Part
from benchguard.engine.simulation import Identity, Iterations, Probe
from benchguard.errors import BenchguardError
from benchguard.store import notes
from benchguard.tools.go import Fingerprint

VALGRIND = shutil.which("valgrind")
MISSING = ("valgrind is not installed (apt-get install valgrind; .ci/run installs it where it can)"
           if VALGRIND is None else "simulation runs on linux/amd64 only"
           if (platform.system(), platform.machine()) != ("Linux", "x86_64") else None)
needs_valgrind = pytest.mark.skipif(GO is None or MISSING is not None,
                                    reason=MISSING or "go is not installed")

IDENTITY = Identity("go1.26.8", "linux", "amd64", "v1", "valgrind-3.19.0", "Haswell")
LAPTOP = Fingerprint("linux", "amd64", "Laptop CPU", "go1.26.8", 8)
CI = Fingerprint("linux", "amd64", "CI CPU", "go1.26.8", 4)


def profile(*parts: tuple[str, int, int, int]) -> str:
    """A callgrind profile of labelled parts: (name, N, instructions, LL misses)."""
    text = "version: 1\ncreator: callgrind-3.19.0\n"
    for number, (name, n, ir, ll) in enumerate(parts, start=1):
        text += (f"part: {number}\ndesc: Trigger: Client Request: benchguard-sim n={n} marks= "
                 f"name={name}\nevents: {' '.join(callgrind.EVENTS)} sysCount\n"
                 f"fn=(1) runtime.gopark\ncfn=(2) time.Sleep\ncalls=0 0\n0 0\n"
                 f"summary: {ir} 0 0 0 0 0 0 {ll} 0 0 0 0 0 0\n")
    return text


def test_the_cost_per_operation_is_the_difference_of_two_runs_and_setup_cancels() -> None:
    low = callgrind.parts(profile(("BenchmarkSum", 1, 9_999, 0),
                                  ("BenchmarkSum", 256, 300_000, 256)))["BenchmarkSum"]
    high = callgrind.parts(profile(("BenchmarkSum", 1, 9_999, 0),
                                   ("BenchmarkSum", 1024, 1_068_000, 1024)))["BenchmarkSum"]
    assert (low.n, high.n) == (256, 1024)  # the last part of each name: its measured runN
    result = simulation.per_op(low, high, (0, 0), native_ns=300.0)
    assert result.counts["Ir"] == 1000.0  # (1,068,000 - 300,000) / 768: the set-up cancels
    assert result.est_cycles == 1000.0 + simulation.WEIGHTS.ll * 1.0 + simulation.WEIGHTS.l1 * 0
    assert result.cannot_see == ()
    assert result.iterations == Iterations(256, 1024)
    written = parse(simulation.benchfmt(IDENTITY, "example.com/demo", [result]))
    key = SeriesKey(BenchKey("example.com/demo", "BenchmarkSum"), simulation.EST_CYCLES)
    assert written.samples[key] == [result.est_cycles]
    assert all(written.assume_exact[unit] for unit in simulation.UNITS)
    assert simulation.identity_from(written.configuration) == IDENTITY
    assert " ns/op" not in simulation.benchfmt(IDENTITY, "example.com/demo", [result])


def test_what_simulation_cannot_see_is_named() -> None:
    def why(**calls: float) -> str:
        return "; ".join(simulation.cannot_see(5000.0, calls.pop("native", 1000.0),
                                               calls.pop("syscalls", 0.0), calls, frozenset()))

    assert why() == ""
    assert why(**{"time.Sleep": 1.0}).startswith("sleeps")
    assert why(**{"runtime.cgocall": 1.0}).startswith("cgo")
    assert why(**{"runtime.newproc": 1.0, "runtime.gopark": 1.0}).startswith("goroutines")
    assert why(syscalls=3.0).startswith("system calls")
    assert why(native=1e6).startswith("its native time is 600× its simulated cycles")
    assert simulation.cannot_see(100.0, 10.0, 0.0, {}, frozenset({"parallel"})) == (
        "RunParallel (simulation runs it on one goroutine)",)


def test_iteration_counts_come_from_the_probe_and_slow_benchmarks_are_timed() -> None:
    fast = simulation.iterations(Probe("BenchmarkFast", 10.0))
    assert isinstance(fast, Iterations) and fast.high == 4 * fast.low
    assert fast.high & (fast.high - 1) == 0  # a power of two: a noisy probe seldom moves it
    assert simulation.iterations(Probe("BenchmarkSlow", 50e6)) == (
        "50 ms/op natively: simulating it would take ~21 s")
    capped = simulation.iterations(Probe("BenchmarkBig", 10.0, bytes_per_op=1 << 28))
    assert isinstance(capped, Iterations) and capped.high == 4  # GC is off: 1 GiB at most


def record(fingerprint: Fingerprint, identity: Identity | None, value: float) -> notes.Record:
    key = SeriesKey(BenchKey("example.com/demo", "BenchmarkSum"), simulation.EST_CYCLES)
    samples = BenchmarkSet(samples={key: [value]}, assume_exact={simulation.EST_CYCLES: True})
    settings = {"benchtime": "1s", "iterations": [
        {"package": "example.com/demo", "name": "BenchmarkSum", "low": 256, "high": 1024}]}
    return notes.baseline_record("a" * 40, fingerprint, settings, samples, identity=identity)


def test_a_simulated_record_keeps_its_identity_and_counts_on_any_machine_with_it() -> None:
    stored = record(CI, IDENTITY, 1000.0)
    line = notes.encode(stored)
    assert json.loads(line)["instrument"] == "simulation"
    assert notes.decode(line) == stored
    timed = notes.decode(notes.encode(record(LAPTOP, None, 1.0)))
    assert (timed.instrument, timed.identity) == ("time", None)  # as every older record reads
    # the laptop's check asks for the same toolchain and valgrind; the simulated CPU only a
    # run shows (push.simulating compares it then)
    wanted = Identity(**{**IDENTITY.to_json(), "cpu": ""})
    found = notes.baseline_sources([stored], LAPTOP, instrument="simulation", identity=wanted)
    assert list(found.values()) == [stored]
    other = Identity(**{**IDENTITY.to_json(), "go_version": "go1.25.0"})
    assert notes.baseline_sources([stored], LAPTOP, instrument="simulation",
                                  identity=other) == {}
    assert notes.baseline_sources([stored], LAPTOP, instrument="time") == {}
    broken = line.replace('"go_version":"go1.26.8",', "")
    with pytest.raises(notes.NoteLineError, match="identity is missing a field"):
        notes.decode(broken)


def test_instrument_is_a_setting_of_the_file_and_of_each_entry(tmp_path: Path) -> None:
    text = 'instrument = "simulation"\n\n[[bench]]\npaths = ["x/**"]\npackage = "./x"\n' \
           'instrument = "time"\n'
    parsed = config.parse(text, filename="benchguard.toml")
    assert parsed.instrument == "simulation" and parsed.benches[0].instrument == "time"
    assert parsed.instrument_for(parsed.benches[0]) == "time"
    assert parsed.instrument_for(None) == "simulation"
    every = parsed.with_instrument("auto")  # --instrument
    assert every.instrument_for(every.benches[0]) == "auto"
    assert config.Config(path=None).instrument == "auto"
    assert "est-cycles/op" in config.Config(path=None).metrics_judged
    with pytest.raises(BenchguardError, match=r'benchguard.toml:6: instrument must be "time" '
                                              r'or "simulation" or "auto", got \'valgrind\''):
        config.parse(text.replace('"time"', '"valgrind"'), filename="benchguard.toml")


# --- real valgrind, real Go ----------------------------------------------------------------------

SIMULATED = DEFAULT_CONFIG.replace('threshold = "50%"', 'threshold = "5%"')


def simulated_project(tmp_path: Path, files: dict[str, str] | None = None) -> Project:
    if GO is None:
        pytest.skip("go is not installed")
    return make_project(tmp_path, config=SIMULATED, files=files)


@needs_valgrind
def test_a_baseline_simulated_in_another_clone_settles_a_push_and_a_3x_slowdown_blocks(
        tmp_path: Path) -> None:
    ci = simulated_project(tmp_path / "ci")
    simulate = {"BENCHGUARD_INSTRUMENT": "simulation"}
    proc = ci.benchguard("baseline", "--push", env=simulate)
    assert proc.returncode == 0, proc.stderr
    assert "./hashing: simulated 1 benchmark" in proc.stderr
    laptop = tmp_path / "laptop"
    home = tmp_path / "laptop-home"
    home.mkdir()
    (home / ".gitconfig").write_text((Path(os.environ["HOME"]) / ".gitconfig").read_text())
    sh(f"git clone -q {ci.remote} {laptop}", cwd=tmp_path)
    other = {**simulate, "HOME": str(home)}
    clone = Project(laptop, ci.remote)
    assert clone.benchguard("sync", env=other).returncode == 0
    (laptop / "hashing" / "hash.go").write_text(
        (laptop / "hashing" / "hash.go").read_text() + "\n// a comment: the same code\n")
    clone.commit("comment")
    proc = clone.benchguard("check", "--format", "json", env=other)
    assert proc.returncode == 0, proc.stderr
    [check] = json.loads(proc.stdout)["checks"]
    assert check["rounds"]["./hashing (simulated)"]["measure"] == "head only"
    by_metric = {entry["metric"]: entry for entry in check["benchmarks"]}
    assert by_metric["est-cycles/op"]["verdict"] == "same"
    assert {entry["instrument"] for entry in check["benchmarks"]} == {"simulation"}
    assert "[base " not in proc.stderr  # the base is never built: the stored baseline settles
    assert "using the stored simulated baseline of" in proc.stderr
    slow_down(laptop, "hashing/hash.go", 3)
    clone.commit("slower")
    proc = clone.benchguard("check", env=other)
    assert proc.returncode == 1, proc.stderr
    assert "simulated (valgrind), the head against the stored simulated baseline" in proc.stdout
    assert "example.com/demo/hashing.BenchmarkSum  est-cycles/op  +" in proc.stdout


BLIND = {
    "go.mod": "module example.com/blind\n\ngo 1.21\n",
    "blind/blind.go": "package blind\n\nfunc Sum(data []byte) (n int) {\n\tfor _, b := range "
                      "data {\n\t\tn += int(b)\n\t}\n\treturn n\n}\n",
    "blind/blind_test.go": textwrap.dedent("""\
        package blind

        import (
        	"testing"
        	"time"
        )

        var sink int

        func BenchmarkSum(b *testing.B) {
        	data := make([]byte, 1024)
        	for i := 0; i < b.N; i++ {
        		sink += Sum(data)
        	}
        }

        func BenchmarkSleep(b *testing.B) {
        	for i := 0; i < b.N; i++ {
        		time.Sleep(time.Microsecond)
        	}
        }

        func BenchmarkParallel(b *testing.B) {
        	b.RunParallel(func(pb *testing.PB) {
        		data := make([]byte, 64)
        		for pb.Next() {
        			sink += Sum(data)
        		}
        	})
        }
        """),
}


@needs_valgrind
def test_what_simulation_cannot_see_is_timed_and_said(tmp_path: Path) -> None:
    project = simulated_project(tmp_path, files=BLIND)
    project.write({"benchguard.toml": SIMULATED.split("[[bench]]")[0] + textwrap.dedent("""
        [[bench]]
        paths = ["blind/**"]
        package = "./blind"
        instrument = "simulation"
        """)})
    project.commit("config")
    (project.root / "blind" / "blind.go").write_text(
        (project.root / "blind" / "blind.go").read_text() + "\n// touched\n")
    project.commit("touch")
    proc = project.benchguard("check", "--base", "HEAD~1", "--format", "json",
                              env={"BENCHGUARD_INSTRUMENT": ""})
    assert proc.returncode == 0, proc.stderr
    # RunParallel is known from the native probe: never simulated; a sleep from its counts
    assert "timed instead: " in proc.stderr and "BenchmarkSleep (sleeps (" in proc.stderr
    assert "BenchmarkParallel (RunParallel (simulation runs it on one goroutine))" in proc.stderr
    [check] = json.loads(proc.stdout)["checks"]
    measured = {(entry["name"], entry["instrument"]) for entry in check["benchmarks"]}
    assert measured == {("BenchmarkSum", "simulation"), ("BenchmarkSleep", "time"),
                        ("BenchmarkParallel", "time")}


def test_without_valgrind_auto_times_and_says_how_to_simulate(tmp_path: Path) -> None:
    project = simulated_project(tmp_path)
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("git", "go", "sh", "bash"):
        found = shutil.which(name)
        if found is not None:
            (tools / name).symlink_to(found)
    (project.root / "parse" / "parse.go").write_text(
        (project.root / "parse" / "parse.go").read_text() + "\n// touched\n")
    project.commit("touch")
    proc = project.benchguard("check", env={"BENCHGUARD_INSTRUMENT": "auto",
                                            "PATH": str(tools)})
    assert proc.returncode == 0, proc.stderr
    assert "timing the benchmarks: valgrind is not installed: install valgrind (apt-get " \
           "install valgrind" in proc.stderr
    assert "est-cycles/op" not in proc.stdout


def test_a_part_that_names_no_benchmark_is_not_one() -> None:
    text = profile(("BenchmarkSum", 4, 100, 0)).replace("benchguard-sim", "other")
    assert callgrind.parts(text) == {}
    part = Part("BenchmarkSum", 4, frozenset(), Counts((0.0,) * len(callgrind.EVENTS)), 0, {})
    with pytest.raises(simulation.DifferenceError):
        simulation.per_op(part, part, None, None)
