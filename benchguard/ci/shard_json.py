"""What a shard's file holds beyond who wrote it (ci.shard_file), as JSON and back: the check's
selections, the whole plan's order and its split, this part's plan, and every run its sessions
made (push.replay.PartRecord). A shard ran the pull request's code, so everything is read back
checked, field by field, with the checks a note line passes (store.records): what fails says
where, in one line (ShardFileError)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from benchguard.config import Config
from benchguard.engine.benchfmt import BenchmarkSet
from benchguard.engine.simulation import SIMULATION, TIME
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.push.plan import Cost, How, Source, Step, Trust
from benchguard.push.replay import PartRecord
from benchguard.push.runner import RunSpec
from benchguard.push.runs import RunsState
from benchguard.push.selection import Failed, Selected, Selection, Uncovered
from benchguard.push.session import BinaryRecord, BinaryRun, SessionRecord, Usage
from benchguard.push.stored import Stored
from benchguard.store import records
from benchguard.store.records import MAX_TEXT, NoteLineError, escaped, samples_json

T = TypeVar("T")
_NAME = 2048


class ShardFileError(ValueError):
    """A field of a shard's file that is not what benchguard writes; says which."""


def _safe(text: str) -> str:
    """Text as a field holds it: cut, every control or format character escaped."""
    return escaped(text[:MAX_TEXT])


def _checked(check: Callable[..., T], value: Any, what: str, *args: Any, **kwargs: Any) -> T:
    try:
        return check(value, what, *args, **kwargs)
    except NoteLineError as error:
        raise ShardFileError(str(error)) from None


def text(value: Any, what: str) -> str:
    return _checked(records.check_text, value, what)


def token(value: Any, what: str) -> str:
    return _checked(records.check_token, value, what)


def items(value: Any, what: str) -> list[Any]:
    return _checked(records.check_list, value, what)


def fields(value: Any, what: str, keys: Sequence[str] = ()) -> dict[str, Any]:
    found = _checked(records.check_object, value, what)
    missing = [key for key in keys if key not in found]
    if missing:
        raise ShardFileError(f"{what} has no {', '.join(missing)}")
    return found


def whole(value: Any, what: str, minimum: int = 0, most: int | None = None) -> int:
    number = _checked(records.check_count, value, what, minimum=minimum)
    if most is not None and number > most:
        raise ShardFileError(f"{what} must be at most {most}")
    return number


def seconds(value: Any, what: str) -> float:
    [number] = _checked(records.check_numbers, [value], what)
    if number < 0:
        raise ShardFileError(f"{what} must not be negative")
    return number


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ShardFileError(f"{what} must be true or false")
    return value


def texts(value: Any, what: str) -> list[str]:
    return [text(item, f"{what} entry") for item in items(value, what)]


def names(value: Any, what: str) -> list[str]:
    return [token(item, f"{what} entry") for item in items(value, what)]


# -- the selections and the plan


def specs_json(specs: Sequence[RunSpec]) -> list[dict[str, Any]]:
    return [{"package": _safe(spec.package), "pattern": _safe(spec.pattern),
             "tags": [_safe(tag) for tag in spec.tags], "module": _safe(spec.module)}
            for spec in specs]


def read_specs(data: Any) -> list[RunSpec]:
    found = []
    for entry in items(data, "specs"):
        entry = fields(entry, "specs entry", ("package", "pattern", "tags", "module"))
        found.append(RunSpec(text(entry["package"], "spec package"),
                             text(entry["pattern"], "spec pattern"),
                             tuple(names(entry["tags"], "spec tags")),
                             text(entry["module"], "spec module")))
    if len(set(found)) != len(found):
        raise ShardFileError("specs repeat a selection")
    return found


def selection_json(chosen: Selection, config: Config) -> dict[str, Any]:
    def entry(s: Selected) -> int | None:
        return config.benches.index(s.entry) if s.entry in config.benches else None

    return {
        "selected": [{"package": _safe(s.package), "pattern": _safe(s.pattern),
                      "tags": [_safe(tag) for tag in s.tags], "reason": _safe(s.reason),
                      "entry": entry(s),
                      "module": _safe(s.module), "import_path": _safe(s.import_path),
                      "hops": s.hops, "left_by": s.left_by} for s in chosen.selected],
        "changed": [_safe(path) for path in chosen.changed],
        "warnings": [_safe(line) for line in chosen.warnings],
        "uncovered": [{"path": _safe(u.path), "why": _safe(u.why)} for u in chosen.uncovered],
        "failed": [{"what": _safe(f.what), "message": _safe(f.message),
                    "tags": [_safe(tag) for tag in f.tags]} for f in chosen.failed]}


def read_selection(data: Any, config: Config) -> Selection:
    data = fields(data, "selection", ("selected", "changed", "warnings", "uncovered", "failed"))
    selected = []
    for entry in items(data["selected"], "selected"):
        entry = fields(entry, "selected entry", ("package", "pattern", "tags", "reason",
                                                 "entry", "module", "import_path", "hops",
                                                 "left_by"))
        number = entry["entry"]
        if number is not None:
            number = whole(number, "selected entry's [[bench]]", most=len(config.benches) - 1)
        left_by = text(entry["left_by"], "selected left_by")
        selected.append(Selected(
            text(entry["package"], "selected package"), text(entry["pattern"],
                                                              "selected pattern"),
            tuple(names(entry["tags"], "selected tags")), text(entry["reason"],
                                                               "selected reason"),
            None if number is None else config.benches[number],
            text(entry["module"], "selected module"),
            text(entry["import_path"], "selected import_path"),
            _hops(entry["hops"]), left_by))
    uncovered = [Uncovered(text(one.get("path"), "uncovered path"),
                           text(one.get("why"), "uncovered why"))
                 for one in (fields(item, "uncovered entry")
                             for item in items(data["uncovered"], "uncovered"))]
    failed = [Failed(text(one.get("what"), "failed what"), text(one.get("message"),
                                                                 "failed message"),
                     tuple(names(one.get("tags", []), "failed tags")))
              for one in (fields(item, "failed entry") for item in items(data["failed"],
                                                                          "failed"))]
    return Selection(tuple(selected), tuple(texts(data["changed"], "changed")),
                     tuple(texts(data["warnings"], "warnings")), (), tuple(uncovered),
                     tuple(failed))


def _hops(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -1 <= value <= 10**6:
        raise ShardFileError("selected hops must be a whole number")
    return value


def step_json(step: Step, index: Mapping[RunSpec, int]) -> dict[str, Any]:
    data = step.to_json()
    for key in ("package", "pattern", "tags"):
        del data[key]
    data.update({"spec": index[step.spec], "reason": _safe(step.reason),
                 "cost": None if step.cost is None else {"build": step.cost.build,
                                                         "run": step.cost.run}})
    return data


def read_steps(data: Any, specs: Sequence[RunSpec]) -> list[Step]:
    steps = []
    for entry in items(data, "steps"):
        entry = fields(entry, "steps entry", ("spec", "reason", "baseline", "measure",
                                              "stored_at", "trust", "estimate", "fits",
                                              "part", "cost"))
        spec = specs[whole(entry["spec"], "step spec", most=len(specs) - 1)]
        instrument = entry.get("instrument", TIME)
        if instrument not in (TIME, SIMULATION):
            raise ShardFileError(f"step instrument is not {TIME} or {SIMULATION}")
        steps.append(Step(
            spec, text(entry["reason"], "step reason"),
            _choice(Source, entry["baseline"], "step baseline"),
            _choice(How, entry["measure"], "step measure"),
            stored_at=None if entry["stored_at"] is None else
            token(entry["stored_at"], "step stored_at"),
            trust=_trust(entry["trust"]), instrument=instrument,
            estimate=None if entry["estimate"] is None else
            seconds(entry["estimate"], "step estimate"),
            fits=flag(entry["fits"], "step fits"), part=flag(entry["part"], "step part"),
            cost=_cost(entry["cost"])))
    return steps


def _choice(kind: Any, value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ShardFileError(f"{what} is not one of {', '.join(kind)}") from None


def _trust(value: Any) -> Trust | None:
    if value is None:
        return None
    value = fields(value, "step trust", ("settled", "open", "checks", "scope"))
    return Trust(whole(value["settled"], "trust settled"), whole(value["open"], "trust open"),
                 whole(value["checks"], "trust checks"), token(value["scope"], "trust scope"))


def _cost(value: Any) -> Cost | None:
    if value is None:
        return None
    value = fields(value, "step cost", ("build", "run"))
    return Cost(seconds(value["build"], "cost build"), seconds(value["run"], "cost run"))


# -- what the sessions ran


def record_json(record: PartRecord, index: Mapping[RunSpec, int]) -> dict[str, Any]:
    return {"alone": _session_json(record.alone, index),
            "side_by_side": _session_json(record.side_by_side, index),
            "first": _state_json(record.first, index), "final": _state_json(record.final, index),
            "packages": {_safe(directory): _safe(path)
                         for directory, path in record.packages.items()},
            "stored": {"samples": [{"spec": index[spec], **samples_json(samples)}
                                   for spec, samples in record.stored.samples.items()],
                       "mine": [index[spec] for spec in record.stored.mine],
                       "elsewhere": [index[spec] for spec in record.stored.elsewhere],
                       "at": [{"spec": index[spec], "commit": commit}
                              for spec, commit in record.stored.at.items()]},
            "simulated": [{"spec": index[spec], "base": samples_json(base),
                           "head": samples_json(head),
                           "cost": {side: used.to_json() for side, used
                                    in record.simulated_cost.get(spec, {}).items()}}
                          for spec, (base, head) in record.simulated.items()],
            "timed": [{"spec": index[derived], "of": index[of]}
                      for derived, of in record.timed.items()]}


def read_record(data: Any, specs: Sequence[RunSpec], *, shard: int, shards: int) -> PartRecord:
    data = fields(data, "record", ("alone", "side_by_side", "first", "final", "packages",
                                   "stored", "simulated", "timed"))
    spec = _indexer(specs)
    stored = fields(data["stored"], "stored", ("samples", "mine", "elsewhere", "at"))
    samples = {}
    for entry in items(stored["samples"], "stored samples"):
        entry = fields(entry, "stored samples entry", ("spec",))
        samples[spec(entry["spec"])] = _samples(entry, "stored samples")
    at = {spec(one.get("spec")): token(one.get("commit"), "stored at commit")
          for one in (fields(item, "stored at entry") for item in items(stored["at"],
                                                                         "stored at"))}
    packages = fields(data["packages"], "packages")
    return PartRecord(
        shard, shards, _read_session(data["alone"], spec), _read_session(data["side_by_side"],
                                                                          spec),
        _read_state(data["first"], spec), _read_state(data["final"], spec),
        {text(key, "packages directory"): token(value, "packages import path")
         for key, value in packages.items()},
        Stored(samples=samples, mine={spec(i) for i in items(stored["mine"], "stored mine")},
               elsewhere={spec(i) for i in items(stored["elsewhere"], "stored elsewhere")},
               at=at),
        *_read_simulated(data["simulated"], spec),
        {spec(one.get("spec")): spec(one.get("of"))
         for one in (fields(item, "timed entry") for item in items(data["timed"], "timed"))})


def _read_simulated(data: Any, spec: Callable[[Any], RunSpec]
                    ) -> tuple[dict[RunSpec, tuple[BenchmarkSet, BenchmarkSet]],
                               dict[RunSpec, dict[str, Usage]]]:
    """The simulated selections a shard recorded: base and head, and what each side cost."""
    pairs: dict[RunSpec, tuple[BenchmarkSet, BenchmarkSet]] = {}
    cost: dict[RunSpec, dict[str, Usage]] = {}
    for entry in items(data, "simulated"):
        entry = fields(entry, "simulated entry", ("spec", "base", "head", "cost"))
        found = spec(entry["spec"])
        pairs[found] = (_samples(entry["base"], "simulated base"),
                        _samples(entry["head"], "simulated head"))
        cost[found] = {}
        for side, used in fields(entry["cost"], "simulated cost").items():
            if side not in ("base", "head"):
                raise ShardFileError("simulated cost is of base or head")
            used = fields(used, "simulated cost side", ("build", "rounds", "run", "extra"))
            cost[found][side] = Usage(seconds(used["build"], "simulated build"),
                                      whole(used["rounds"], "simulated rounds"),
                                      seconds(used["run"], "simulated run"),
                                      seconds(used["extra"], "simulated extra"))
    return pairs, cost


def _indexer(specs: Sequence[RunSpec]) -> Callable[[Any], RunSpec]:
    def spec(value: Any) -> RunSpec:
        return specs[whole(value, "spec", most=len(specs) - 1)]
    return spec


def _samples(data: Any, what: str) -> Any:
    try:
        return records.samples_from_json(data)
    except NoteLineError as error:
        raise ShardFileError(f"{what}: {error}") from None


def _session_json(session: SessionRecord | None, index: Mapping[RunSpec, int]
                  ) -> dict[str, Any] | None:
    if session is None:
        return None
    return {"sides": list(session.sides),
            "binaries": [{"side": binary.side, "spec": index[binary.spec], "built": binary.built,
                          "build": round(binary.build_seconds, 6),
                          "runs": [{"round": run.round, "pattern": _safe(run.pattern),
                                    "seconds": round(run.seconds, 6),
                                    **samples_json(run.samples)} for run in binary.runs]}
                         for binary in session.binaries],
            "leaves": [{"spec": index[spec], "names": list(leaves)}
                       for spec, leaves in session.leaves.items()],
            "load": None if session.load is None else list(session.load)}


def _read_session(data: Any, spec: Callable[[Any], RunSpec]) -> SessionRecord | None:
    if data is None:
        return None
    data = fields(data, "session", ("sides", "binaries", "leaves", "load"))
    sides = tuple(names(data["sides"], "session sides"))
    if sides not in (("head",), ("base", "head")):
        raise ShardFileError("session sides must be [\"head\"] or [\"base\", \"head\"]")
    binaries = []
    for entry in items(data["binaries"], "session binaries"):
        entry = fields(entry, "binary", ("side", "spec", "built", "build", "runs"))
        side = token(entry["side"], "binary side")
        if side not in sides:
            raise ShardFileError(f"binary side {side!r} is not one of the session's")
        runs = []
        for run in items(entry["runs"], "binary runs"):
            run = fields(run, "run", ("round", "pattern", "seconds"))
            runs.append(BinaryRun(whole(run["round"], "run round", minimum=1, most=10**6),
                                  text(run["pattern"], "run pattern"),
                                  seconds(run["seconds"], "run seconds"),
                                  _samples(run, "run samples")))
        binaries.append(BinaryRecord(side, spec(entry["spec"]), flag(entry["built"],
                                                                     "binary built"),
                                     seconds(entry["build"], "binary build"), tuple(runs)))
    leaves = {spec(one.get("spec")): tuple(names(one.get("names"), "leaves names"))
              for one in (fields(item, "leaves entry") for item in items(data["leaves"],
                                                                          "leaves"))}
    load = None
    if data["load"] is not None:
        values = [seconds(value, "session load") for value in items(data["load"],
                                                                     "session load")]
        if len(values) != 3:
            raise ShardFileError("session load must hold 3 numbers")
        load = (values[0], values[1], values[2])
    return SessionRecord(sides, tuple(binaries), leaves, load)


def _state_json(state: RunsState, index: Mapping[RunSpec, int]) -> dict[str, Any]:
    return {"unchecked": [{"spec": index[spec], "reason": _safe(why)}
                          for spec, why in state.unchecked.items()],
            "left_out": [{"spec": index[spec], "names": list(left), "reason": _safe(why)}
                         for spec, (left, why) in state.left_out.items()],
            "cut": [{"spec": index[spec], "rounds": rounds}
                    for spec, rounds in state.cut.items()],
            "failures": [{"spec": index[spec], "message": _safe(error.message)}
                         for spec, error in state.failures.items()]}


def _read_state(data: Any, spec: Callable[[Any], RunSpec]) -> RunsState:
    data = fields(data, "state", ("unchecked", "left_out", "cut", "failures"))

    def each(key: str, wanted: Sequence[str]) -> list[dict[str, Any]]:
        return [fields(item, f"{key} entry", ("spec", *wanted))
                for item in items(data[key], key)]

    return RunsState(
        {spec(one["spec"]): text(one["reason"], "unchecked reason")
         for one in each("unchecked", ("reason",))},
        {spec(one["spec"]): (names(one["names"], "left_out names"),
                             text(one["reason"], "left_out reason"))
         for one in each("left_out", ("names", "reason"))},
        {spec(one["spec"]): whole(one["rounds"], "cut rounds", minimum=1)
         for one in each("cut", ("rounds",))},
        {spec(one["spec"]): BenchguardError(text(one["message"], "failure message"),
                                            exit_code=EXIT_BENCH_FAILED)
         for one in each("failures", ("message",))})
