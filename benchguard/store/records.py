"""One record of the notes: what it holds, its JSON line, and the checks every line read passes
(docs/notes-format.md).

Notes arrive from every clone and CI runner through `sync`: a line is input from other people.
`decode` accepts only what benchguard itself writes (names, packages and units as the Go
benchmark format allows them, finite numbers, bounded sizes); what fails is skipped with a warning
by the reader, never printed raw.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from benchguard import __version__
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.simulation import SIMULATION, TIME, Identity, identity_from
from benchguard.tools.go import Fingerprint

SCHEMA_VERSION = 1
_COMMON_KEYS = ("schema", "kind", "commit", "date", "version")

# What one record line may hold. Far above anything a real run writes (a baseline of 2,000
# benchmarks × 4 units × count 30 is about 5 MB), low enough that a hostile line cannot make
# every reader of the notes parse gigabytes.
MAX_LINE = 32 * 1024 * 1024  # characters in one record line
MAX_ITEMS = 100_000  # entries of any list or object: series in a baseline, samples in a series
MAX_NAME = 2048  # characters in a benchmark name, package, unit or version
MAX_TEXT = 8192  # characters in any other string (cpu, settings, override pattern/reason/user)

_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


class Kind(StrEnum):
    BASELINE = "baseline"  # one measurement run
    OVERRIDE = "override"  # one accepted regression
    UNCHECKED = "unchecked"  # selections a push left unchecked when its time budget ran out


@dataclass(frozen=True)
class Timing:
    """How long one selection (a `go test` spec) took to measure: building its test binary and
    one run of its benchmarks at `-count 1`; the planner scales it to a configured count."""

    package: str  # "./hashing", as in settings specs
    pattern: str
    tags: tuple[str, ...]
    build: float  # seconds
    run: float  # seconds per run (per round, per side)
    # from `check` (0 when not recorded): the runs it made, extra rounds included, and the
    # seconds of the extra rounds, which ran only the benchmarks still undecided
    rounds: int = 0
    extra: float = 0.0
    # from `check`, of the benchmarks it measured with a stored baseline of this machine at hand:
    # how many that baseline settled, and how many it left open (to confirm side by side) — or,
    # measured side by side, would have; the planner learns from them whether trusting this
    # machine's stored baselines is worth a head-only run (docs/check.md, "Whether to trust a
    # stored baseline")
    settled: int = 0
    open: int = 0
    # "simulation": ``run`` is the CPU seconds of simulating it (every core shares them)
    instrument: str = TIME


@dataclass(frozen=True)
class Record:
    """One measurement run (a baseline) or one accepted regression (an override) for a commit.

    A baseline has ``fingerprint``, ``settings`` (count, benchtime, tags, …) and ``samples``;
    an override has ``override`` = {"pattern", "reason", "user", "benchmarks": [names]}.
    """

    kind: Kind
    commit: str
    date: str
    version: str
    fingerprint: Fingerprint | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    samples: BenchmarkSet | None = None
    override: dict[str, Any] | None = None
    # a baseline's load average (1, 5, 15 minutes) when its measurement started
    load: tuple[float, ...] | None = None
    # a baseline's wall time per selection (absent in records older than benchguard 0.2)
    durations: tuple[Timing, ...] = ()
    # an unchecked record: {"budget", "user", "selections": [{"package", "pattern", "tags",
    # "reason"}]}
    unchecked: dict[str, Any] | None = None
    # a baseline's instrument: "time" (older records) or "simulation", whose results compare
    # wherever ``identity`` is the same (docs/notes-format.md, "Simulated records")
    instrument: str = TIME
    identity: Identity | None = None

    @property
    def simulated(self) -> bool:
        return self.instrument == SIMULATION


class NoteLineError(ValueError):
    """A note line benchguard cannot use; the message says why."""


def utc_now(ahead: timedelta = timedelta(0)) -> str:
    """Now (plus ``ahead``) as a record's ``date``: dates in this form compare as strings."""
    return (datetime.now(UTC) + ahead).strftime("%Y-%m-%dT%H:%M:%SZ")


def baseline_record(commit: str, fingerprint: Fingerprint, settings: dict[str, Any],
                    samples: BenchmarkSet, *, load: Sequence[float] | None = None,
                    durations: Sequence[Timing] = (), identity: Identity | None = None
                    ) -> Record:
    """``load``: the load average when the measurement started (machine.load_average(); None
    where the platform has none); ``durations``: how long each selection took; ``identity``:
    a simulated baseline's (its instrument is then "simulation")."""
    return Record(kind=Kind.BASELINE, commit=commit, date=utc_now(), version=__version__,
                  instrument=TIME if identity is None else SIMULATION, identity=identity,
                  fingerprint=fingerprint, settings=dict(settings), samples=samples,
                  load=None if load is None else tuple(round(value, 2) for value in load),
                  durations=tuple(dataclasses.replace(timing, build=round(timing.build, 3),
                                                      run=round(timing.run, 3),
                                                      extra=round(timing.extra, 3))
                                  for timing in durations))


def unchecked_record(commit: str, *, budget: str, user: str,
                     selections: Sequence[tuple[str, str, Sequence[str], str, Sequence[str]]]
                     ) -> Record:
    """Selections (package, pattern, tags, reason, and the benchmarks left out of one measured
    in part — none: all of it) a push went ahead without checking because its time budget ran
    out (on_budget = "warn")."""
    return Record(kind=Kind.UNCHECKED, commit=commit, date=utc_now(), version=__version__,
                  unchecked={"budget": _escaped(budget[:MAX_TEXT]),
                             "user": _escaped(user[:MAX_TEXT]),
                             "selections": [_unchecked_selection(*selection)
                                            for selection in selections]})


def _unchecked_selection(package: str, pattern: str, tags: Sequence[str], reason: str,
                         benchmarks: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"package": _escaped(package), "pattern": _escaped(pattern),
                             "tags": [_escaped(tag) for tag in tags],
                             "reason": _escaped(reason[:MAX_TEXT])}
    if benchmarks:
        found["benchmarks"] = [_escaped(name) for name in benchmarks]
    return found


def override_record(commit: str, *, pattern: str, reason: str, user: str,
                    benchmarks: Sequence[str]) -> Record:
    """The reason and user are cut to MAX_TEXT, and any character a record may not hold is
    written as an escape (``\\x1b``; in the pattern an escape that matches the same), so what is
    recorded can always be read back."""
    return Record(kind=Kind.OVERRIDE, commit=commit, date=utc_now(), version=__version__,
                  override={"pattern": _escaped(pattern), "reason": _escaped(reason[:MAX_TEXT]),
                            "user": _escaped(user[:MAX_TEXT]),
                            "benchmarks": [_escaped(name) for name in benchmarks]})


def encode(record: Record) -> str:
    """One JSON line, keys sorted, so identical records are identical lines for cat_sort_uniq."""
    data: dict[str, Any] = {"schema": SCHEMA_VERSION, "kind": str(record.kind),
                            "commit": record.commit, "date": record.date,
                            "version": record.version}
    if record.kind == Kind.BASELINE:
        if record.fingerprint is None or record.samples is None:
            raise ValueError("a baseline record needs a fingerprint and samples")
        data["fingerprint"] = dataclasses.asdict(record.fingerprint)
        data["settings"] = record.settings
        data.update(samples_json(record.samples))
        if record.load is not None:
            data["load"] = list(record.load)
        if record.durations:
            data["durations"] = [_timing_json(timing) for timing in record.durations]
        if record.identity is not None:
            data["instrument"] = SIMULATION
            data["identity"] = record.identity.to_json()
    elif record.kind in (Kind.OVERRIDE, Kind.UNCHECKED):
        fields = record.override if record.kind == Kind.OVERRIDE else record.unchecked
        data.update({key: value for key, value in (fields or {}).items()
                     if key not in _COMMON_KEYS})
    else:
        raise ValueError(f"unknown record kind {record.kind!r}")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def samples_json(samples: BenchmarkSet) -> dict[str, Any]:
    """A set of samples as a baseline record holds them: `samples`, `higher_is_better` and,
    when a `Unit` line said, `assume_exact`."""
    data: dict[str, Any] = {"samples": [
        {"package": key.bench.package, "name": key.bench.name, "procs": key.bench.procs,
         "unit": key.unit, "values": [value for value in values if math.isfinite(value)],
         **({"tags": list(key.bench.tags)} if key.bench.tags else {})}
        for key, values in samples.samples.items()
    ], "higher_is_better": dict(samples.higher_is_better)}
    if samples.assume_exact:
        data["assume_exact"] = dict(samples.assume_exact)
    return data


def samples_from_json(data: Any) -> BenchmarkSet:
    """samples_json's object read back with every check a note line's samples pass
    (docs/notes-format.md, "What a record may hold"); NoteLineError says what is wrong."""
    if not isinstance(data, dict):
        raise NoteLineError("samples must be an object")
    return _samples(data.get("samples"), data.get("higher_is_better", {}),
                    data.get("assume_exact", {}))


def decode(line: str) -> Record:
    """The record on one note line; NoteLineError for a corrupt, foreign or newer-schema line,
    or one holding what benchguard never writes (docs/notes-format.md)."""
    if len(line) > MAX_LINE:
        raise NoteLineError(f"line of {len(line)} characters (at most {MAX_LINE})")
    if not line.lstrip().startswith("{"):
        raise NoteLineError("not a benchguard record")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        raise NoteLineError("corrupt line (not valid JSON)") from None
    if not isinstance(data, dict) or not _is_int(data.get("schema")) \
            or data.get("kind") is None:
        raise NoteLineError("not a benchguard record")
    if data["schema"] > SCHEMA_VERSION:
        raise NoteLineError(f"written with schema {data['schema']} by a newer benchguard "
                            f"(this one reads schema {SCHEMA_VERSION})")
    try:
        kind = Kind(data["kind"])
    except ValueError:
        raise NoteLineError(f"unknown record kind {_shown(data['kind'])}") from None
    try:
        commit = data.get("commit")
        if not isinstance(commit, str) or _COMMIT.fullmatch(commit) is None:
            raise NoteLineError(f"commit {_shown(commit)} is not a commit id")
        date = data.get("date")
        if not isinstance(date, str) or _DATE.fullmatch(date) is None:
            raise NoteLineError(f"date {_shown(date)} is not a UTC time like "
                                "2026-01-31T12:00:00Z")
        version = _token(data.get("version", ""), "version", empty=True)
        if kind == Kind.OVERRIDE:
            return Record(kind=kind, commit=commit, date=date, version=version,
                          override=_override(data))
        if kind == Kind.UNCHECKED:
            return Record(kind=kind, commit=commit, date=date, version=version,
                          unchecked=_unchecked(data))
        identity = _identity(data)
        return Record(kind=kind, commit=commit, date=date, version=version,
                      instrument=TIME if identity is None else SIMULATION, identity=identity,
                      fingerprint=_fingerprint(data.get("fingerprint")),
                      settings=_settings(data.get("settings", {})),
                      samples=_samples(data.get("samples"), data.get("higher_is_better", {}),
                                       data.get("assume_exact", {})),
                      load=_load(data.get("load")),
                      durations=_durations(data.get("durations", [])))
    except NoteLineError as error:
        raise NoteLineError(f"malformed {kind} record ({error})") from None


# --- what a record may hold ---------------------------------------------------------------------


def _shown(value: Any) -> str:
    """A value in a warning: repr escapes what a terminal would act on; long ones are cut."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain(text: str) -> bool:
    """Printable characters and spaces only: no control, format (bidi) or line-break
    characters."""
    return text.isprintable() or all(char.isprintable() or unicodedata.category(char) == "Zs"
                                     for char in text)


def _escaped(text: str) -> str:
    """``text`` with every character _plain rejects written as an escape (``\\x1b``,
    ``\\u202e``)."""
    if _plain(text):
        return text
    return "".join(char if _plain(char) else f"\\x{ord(char):02x}" if ord(char) < 0x100
                   else f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"
                   for char in text)


def _token(value: Any, what: str, *, empty: bool = False) -> str:
    """One field of the Go benchmark format (a name, package, unit): printable, no spaces."""
    if not isinstance(value, str):
        raise NoteLineError(f"{what} must be a string")
    if len(value) > MAX_NAME:
        raise NoteLineError(f"{what} is longer than {MAX_NAME} characters")
    if not value and not empty:
        raise NoteLineError(f"{what} is empty")
    if not value.isprintable() or " " in value:
        raise NoteLineError(f"{what} {_shown(value)} holds a space or a control character")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise NoteLineError(f"{what} must be a string")
    if len(value) > MAX_TEXT:
        raise NoteLineError(f"{what} is longer than {MAX_TEXT} characters")
    if not _plain(value):
        raise NoteLineError(f"{what} {_shown(value)} holds a control character")
    return value


def _texts(value: Any, what: str) -> list[str]:
    return [_text(item, f"{what} entry") for item in _list(value, what)]


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise NoteLineError(f"{what} must be a list")
    if len(value) > MAX_ITEMS:
        raise NoteLineError(f"{what} has more than {MAX_ITEMS} entries")
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NoteLineError(f"{what} must be an object")
    if len(value) > MAX_ITEMS:
        raise NoteLineError(f"{what} has more than {MAX_ITEMS} entries")
    return value


def _count(value: Any, what: str, *, minimum: int) -> int:
    if not _is_int(value) or value < minimum:
        raise NoteLineError(f"{what} must be a whole number of at least {minimum}")
    return int(value)


def _numbers(values: list[Any], what: str) -> list[float]:
    """``values`` as floats; checked a list at a time (a baseline holds many thousands)."""
    if all(type(value) is float or type(value) is int for value in values):
        try:
            numbers = [float(value) for value in values]
        except OverflowError:
            numbers = [math.inf]
        if all(map(math.isfinite, numbers)):
            return numbers
    raise NoteLineError(f"{what} must be finite numbers")


def _override(data: dict[str, Any]) -> dict[str, Any]:
    pattern = _text(data.get("pattern"), "pattern")
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise NoteLineError(f"pattern {_shown(pattern)} is not a regular expression") from None
    return {"pattern": pattern,
            "reason": _text(data.get("reason", ""), "reason"),
            "user": _text(data.get("user", ""), "user"),
            "benchmarks": _texts(data.get("benchmarks", []), "benchmarks")}


def _unchecked(data: dict[str, Any]) -> dict[str, Any]:
    selections = []
    for entry in _list(data.get("selections", []), "selections"):
        entry = _object(entry, "selections entry")
        selection = {"package": _text(entry.get("package"), "selections package"),
                     "pattern": _text(entry.get("pattern"), "selections pattern"),
                     "tags": _texts(entry.get("tags", []), "selections tags"),
                     "reason": _text(entry.get("reason", ""), "selections reason")}
        if "benchmarks" in entry:
            selection["benchmarks"] = _texts(entry["benchmarks"], "selections benchmarks")
        selections.append(selection)
    return {"budget": _text(data.get("budget", ""), "budget"),
            "user": _text(data.get("user", ""), "user"), "selections": selections}


def _timing_json(timing: Timing) -> dict[str, Any]:
    data: dict[str, Any] = {"package": timing.package, "pattern": timing.pattern,
                            "tags": list(timing.tags), "build": timing.build, "run": timing.run}
    if timing.rounds:
        data.update({"rounds": timing.rounds, "extra": timing.extra})
    if timing.settled or timing.open:
        data["stored"] = {"settled": timing.settled, "open": timing.open}
    if timing.instrument != TIME:
        data["instrument"] = timing.instrument
    return data


def _durations(data: Any) -> tuple[Timing, ...]:
    timings = []
    for entry in _list(data, "durations"):
        entry = _object(entry, "durations entry")
        build, run, extra = _numbers([entry.get("build"), entry.get("run"),
                                      entry.get("extra", 0.0)], "durations seconds")
        if build < 0 or run < 0 or extra < 0:
            raise NoteLineError("durations seconds must not be negative")
        rounds = _count(entry["rounds"], "durations rounds", minimum=0) \
            if "rounds" in entry else 0
        stored = _object(entry["stored"], "durations stored") if "stored" in entry else {}
        settled, open_ = (_count(stored.get(key, 0), f"durations stored {key}", minimum=0)
                          for key in ("settled", "open"))
        instrument = entry.get("instrument", TIME)
        if instrument not in (TIME, SIMULATION):
            raise NoteLineError(f"durations instrument {_shown(instrument)} is not \"time\" or "
                                "\"simulation\"")
        timings.append(Timing(package=_text(entry.get("package"), "durations package"),
                              pattern=_text(entry.get("pattern"), "durations pattern"),
                              tags=tuple(_texts(entry.get("tags", []), "durations tags")),
                              build=build, run=run, rounds=rounds, extra=extra,
                              settled=settled, open=open_, instrument=instrument))
    return tuple(timings)


def _identity(data: dict[str, Any]) -> Identity | None:
    """A simulated record's identity (None for a timed one: no "instrument", or "time")."""
    instrument = data.get("instrument", TIME)
    if instrument == TIME:
        return None
    if instrument != SIMULATION:
        raise NoteLineError(f"instrument {_shown(instrument)} is not \"time\" or "
                            "\"simulation\"")
    fields = _object(data.get("identity"), "identity")
    for name, value in fields.items():
        _text(name, "identity field")
        _text(value, f"identity {name}")
    identity = identity_from(fields)
    if identity is None:
        raise NoteLineError("identity is missing a field (go_version, goos, goarch, goamd64, "
                            "valgrind, cpu, cache, weights, method)")
    return identity


def _fingerprint(data: Any) -> Fingerprint:
    if data is None:
        raise NoteLineError("missing fingerprint")
    found = _object(data, "fingerprint")
    return Fingerprint(goos=_token(found.get("goos"), "fingerprint goos"),
                       goarch=_token(found.get("goarch"), "fingerprint goarch"),
                       cpu=_text(found.get("cpu"), "fingerprint cpu"),
                       go_version=_text(found.get("go_version"), "fingerprint go_version"),
                       gomaxprocs=_count(found.get("gomaxprocs"), "fingerprint gomaxprocs",
                                         minimum=1))


def _settings(data: Any) -> dict[str, Any]:
    """Known keys are checked (show prints them); unknown ones are kept for newer readers."""
    settings = dict(_object(data, "settings"))
    for key in ("count", "rounds"):
        if key in settings:
            _count(settings[key], f"settings {key}", minimum=1)
    for key in ("benchtime", "timeout"):
        if key in settings:
            _text(settings[key], f"settings {key}")
    if "tags" in settings:
        _texts(settings["tags"], "settings tags")
    environment = _object(settings.get("environment", {}), "settings environment")
    for name, value in environment.items():
        _token(name, "settings environment name")
        _text(value, f"settings environment {name}")
    if "interleaved" in settings and not isinstance(settings["interleaved"], bool):
        raise NoteLineError("settings interleaved must be true or false")
    for entry in _list(settings.get("iterations", []), "settings iterations"):
        entry = _object(entry, "settings iterations entry")
        _text(entry.get("package"), "settings iterations package")
        _token(entry.get("name"), "settings iterations name")
        low = _count(entry.get("low"), "settings iterations low", minimum=1)
        if _count(entry.get("high"), "settings iterations high", minimum=1) <= low:
            raise NoteLineError("settings iterations: high must be above low")
    for spec in _list(settings.get("specs", []), "settings specs"):
        spec = _object(spec, "settings specs entry")
        _text(spec.get("package"), "settings specs package")
        _text(spec.get("pattern"), "settings specs pattern")
        _texts(spec.get("tags", []), "settings specs tags")
    return settings


def _load(data: Any) -> tuple[float, ...] | None:
    if data is None:
        return None
    values = _list(data, "load")
    if len(values) > 3:
        raise NoteLineError("load has more than 3 values")
    return tuple(_numbers(values, "load values"))


def _samples(rows: Any, higher_is_better: Any, assume_exact: Any) -> BenchmarkSet:
    if rows is None:
        raise NoteLineError("missing samples")
    result = BenchmarkSet()
    for row in _list(rows, "samples"):
        row = _object(row, "samples entry")
        name = _token(row.get("name"), "benchmark name")
        if not name.startswith("Benchmark"):
            raise NoteLineError(f"benchmark name {_shown(name)} does not start with Benchmark")
        # a record written before tags were kept per benchmark has none: untagged
        tags = tuple(_token(tag, f"build tag of {name}")
                     for tag in _list(row.get("tags", []), f"tags of {name}"))
        key = SeriesKey(BenchKey(_token(row.get("package"), f"package of {name}", empty=True),
                                 name, _count(row.get("procs"), f"procs of {name}", minimum=0),
                                 tags),
                        _token(row.get("unit"), f"unit of {name}"))
        values = _list(row.get("values"), f"values of {name} {key.unit}")
        result.samples.setdefault(key, []).extend(_numbers(values, f"values of {name} {key.unit}"))
    for unit, flag in _object(higher_is_better, "higher_is_better").items():
        if not isinstance(flag, bool):
            raise NoteLineError("higher_is_better must map units to true or false")
        result.higher_is_better[_token(unit, "higher_is_better unit")] = flag
    for unit, flag in _object(assume_exact, "assume_exact").items():
        if not isinstance(flag, bool):
            raise NoteLineError("assume_exact must map units to true or false")
        result.assume_exact[_token(unit, "assume_exact unit")] = flag
    return result


# The same checks, for the other JSON benchguard reads from other people (benchguard.ci's shard
# files): each raises NoteLineError saying what is wrong.
check_text, check_token, check_list, check_object = _text, _token, _list, _object
check_count, check_numbers, escaped = _count, _numbers, _escaped
