"""Callgrind's profile format, as the simulation instrument reads it (docs/simulation.md): the
labelled parts a simulated test binary dumps, one per timed run of a benchmark, with every event
callgrind counted and the calls of a few runtime functions that say what simulation cannot see.

https://valgrind.org/docs/manual/cl-format.html: a file of parts (`--combine-dumps=yes`), each
with a `desc: Trigger: …` line (our label), a `summary:` line (the part's totals, in the order of
`events:`), and cost lines under `fn=` and `cfn=`/`calls=` for calls. Names are compressed:
`fn=(12) name` defines id 12, a later `fn=(12)` refers to it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw", "Bc", "Bcm", "Bi",
          "Bim")
"""Callgrind's events with --cache-sim=yes --branch-sim=yes, in its order."""

# The label the overlay's testing package gives each dumped part (tools/simulation.py).
LABEL = "benchguard-sim"
_LABEL = re.compile(rf"{LABEL} n=(\d+) marks=(\S*) name=(.*)$")
_TRIGGER = "desc: Trigger: Client Request: "

# Runtime functions whose calls per operation tell what simulation cannot see (engine.simulation
# .cannot_see); callgrind's recursion suffixes ("'2") are folded into the name.
WATCHED = ("runtime.newproc", "runtime.gopark", "runtime.cgocall", "time.Sleep", "time.now",
           "runtime.nanotime1.abi0")


@dataclass(frozen=True)
class Counts:
    """Callgrind's events for one part (floats: per operation after differencing)."""

    values: tuple[float, ...]  # in EVENTS order

    def __getitem__(self, event: str) -> float:
        return self.values[EVENTS.index(event)]

    def minus(self, other: Counts) -> Counts:
        return Counts(tuple(a - b for a, b in zip(self.values, other.values, strict=True)))

    def scaled(self, factor: float) -> Counts:
        return Counts(tuple(value * factor for value in self.values))

    @property
    def l1_misses(self) -> float:
        """First-level misses, instructions and data (an LL miss is one too)."""
        return self["I1mr"] + self["D1mr"] + self["D1mw"]

    @property
    def ll_misses(self) -> float:
        return self["ILmr"] + self["DLmr"] + self["DLmw"]

    @property
    def branch_misses(self) -> float:
        """Mispredicted conditional and indirect branches."""
        return self["Bcm"] + self["Bim"]


@dataclass(frozen=True)
class Part:
    """What one timed run (one `runN`) of one benchmark cost while its timer ran."""

    name: str  # the full benchmark name, sub-benchmarks included
    n: int  # b.N when the run ended (b.Loop benchmarks: the loop's count)
    marks: frozenset[str]  # "parallel": it called RunParallel
    counts: Counts
    syscalls: int  # system calls made while collecting
    calls: Mapping[str, int]  # calls of the WATCHED functions


def parts(text: str) -> dict[str, Part]:
    """The labelled parts of a profile written with --combine-dumps=yes, by benchmark name; the
    last part of each name wins (a `b.N` benchmark runs runN(1) first, then its count)."""
    found: dict[str, Part] = {}
    for label, events, summary, calls in _raw_parts(text):
        match = _LABEL.match(label)
        if match is None:
            continue
        values = dict(zip(events, summary, strict=False))
        name = match.group(3)
        found[name] = Part(name=name, n=int(match.group(1)),
                           marks=frozenset(mark for mark in match.group(2).split(",") if mark),
                           counts=Counts(tuple(float(values.get(event, 0)) for event in EVENTS)),
                           syscalls=values.get("sysCount", 0),
                           calls={function: calls.get(function, 0) for function in WATCHED})
    return found


def _raw_parts(text: str) -> Iterator[tuple[str, list[str], list[int], dict[str, int]]]:
    """Each part as (label, event names, summary values, calls of the WATCHED functions)."""
    names: dict[str, str] = {}  # "(12)" -> function name: ids hold across parts
    events: list[str] = []
    label = ""
    summary: list[int] = []
    calls: dict[str, int] = {}
    callee: str | None = None
    started = False
    for line in text.splitlines():
        if line.startswith("part:"):
            if started:
                yield label, events, summary, calls
            started, label, summary, calls, callee = True, "", [], {}, None
        elif line.startswith(_TRIGGER):
            label = line[len(_TRIGGER):]
        elif line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(value) for value in line.split()[1:]]
        elif line.startswith(("fn=", "cfn=")):
            named = _name(line.split("=", 1)[1].strip(), names)
            callee = named if line[0] == "c" else None
        elif line.startswith("calls=") and callee is not None:
            base = callee.split("'", 1)[0]
            if base in WATCHED:
                calls[base] = calls.get(base, 0) + int(line[6:].split()[0])
            callee = None
    if started:
        yield label, events, summary, calls


def _name(reference: str, names: dict[str, str]) -> str:
    """A function name from a `fn=`/`cfn=` value, learning compressed ids as they come."""
    if reference.startswith("("):
        key, _, name = reference.partition(" ")
        if name:
            names[key] = name
            return name
        return names.get(key, key)
    return reference
