"""The Go source of the simulation overlay (tools/simulation.py, docs/simulation.md): patches to
Go's `testing` and runtime packages, each (file, anchor, what replaces it), and the files added
beside them. Written for Go 1.26's sources; an anchor that is not there once fails the build of
a simulated binary, never its numbers."""

from __future__ import annotations

_STRUCT = "type B struct {\n\tcommon\n"
_RUN1 = "func (b *B) run1() bool {\n"
_START = "\t\tb.timerOn = true\n\t\tb.loop.i &^= loopPoisonTimer\n"
_STOP = "func (b *B) StopTimer() {\n\tif b.timerOn {\n"
_RESET = "\tb.duration = 0\n\tb.netAllocs = 0\n\tb.netBytes = 0\n"
_RUN_END = "\tb.benchFunc(b)\n\tb.StopTimer()\n"
_PARALLEL = "func (b *B) RunParallel(body func(*PB)) {\n"
_GRAIN = "\tif grain > 1e4 {\n\t\tgrain = 1e4\n\t}\n"
_RUNN = "func (b *B) runN(n int) {\n\tbenchmarkLock.Lock()\n\tdefer benchmarkLock.Unlock()\n"
_PREPARE = "\tb.resetRaces()\n"
_WORKERS = "\tvar n atomic.Uint64\n\tnumProcs := b.parallelism * runtime.GOMAXPROCS(0)\n"

TESTING_PATCHES: tuple[tuple[str, str, str], ...] = tuple(
    ("benchmark.go", anchor, text) for anchor, text in (
        (_STRUCT, _STRUCT + "\tbenchguardTid   int    // the thread its simulated runN is "
                            "locked to\n\tbenchguardMarks string // \"parallel,\": it called "
                            "RunParallel\n"),
        (_RUN1, _RUN1 + "\tbenchguardSimCount(b)\n"),
        (_START, _START + "\t\tbenchguardSimCollect(b, true)\n"),
        (_STOP, _STOP + "\t\tbenchguardSimCollect(b, false)\n"),
        (_RESET, _RESET + "\tbenchguardSimZero()\n"),
        (_RUN_END, _RUN_END + "\tbenchguardSimDump(b)\n"),
        (_PARALLEL, _PARALLEL + "\tbenchguardSimMark(b, \"parallel\")\n"),
        (_GRAIN, _GRAIN + "\tgrain = benchguardSimGrain(grain)\n"),
        (_RUNN, _RUNN + "\tdefer benchguardSimThread(b)()\n"),
        (_PREPARE, _PREPARE + "\tbenchguardSimPrepare()\n"),
        (_WORKERS, _WORKERS + "\tif benchguardCounts != nil && numProcs == 1 {\n"
                              "\t\t// Simulating: the one worker runs on this goroutine, on the "
                              "counted thread.\n"
                              "\t\tbody(&PB{globalN: &n, grain: grain, bN: uint64(b.N)})\n"
                              "\t\tif n.Load() <= uint64(b.N) && !b.Failed() {\n"
                              "\t\t\tb.Fatal(\"RunParallel: body exited without pb.Next() == "
                              "false\")\n"
                              "\t\t}\n"
                              "\t\treturn\n"
                              "\t}\n"),
    ))

TESTING_SOURCE = '''// Added by benchguard's simulation instrument (an overlay, not Go's own).

package testing

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

//go:noescape
func benchguardClientRequest(req, a1, a2, a3, a4, a5 uintptr) uintptr

//go:linkname benchguardRuntimeReseed runtime.benchguardReseed
func benchguardRuntimeReseed()

// Callgrind's client requests (valgrind/callgrind.h): VG_USERREQ_TOOL_BASE('C','T') + k.
const (
	benchguardZeroStats     = 0x43540001
	benchguardToggleCollect = 0x43540002
	benchguardDumpStatsAt   = 0x43540003
)

// Nothing here allocates while a timer runs: B/op and allocs/op stay the benchmark's own.
var (
	benchguardCollecting [64]struct {
		tid int
		on  bool
	} // callgrind's collection state, per thread (it toggles the calling thread's)
	benchguardCounts  map[string]int
	benchguardParents map[string]bool // prefixes ("BenchmarkX/") of listed names
	benchguardLabel   [8192]byte
	benchguardMarked  = map[string]bool{} // the probe's: marks written once per benchmark
)

func init() {
	path := os.Getenv("BENCHGUARD_SIM_COUNTS")
	if path == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		panic("benchguard: " + err.Error())
	}
	benchguardCounts = map[string]int{}
	benchguardParents = map[string]bool{}
	for _, line := range strings.Split(string(data), "\\n") {
		count, name, ok := strings.Cut(line, "\\t")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(count)
		if err != nil {
			panic("benchguard: " + err.Error())
		}
		benchguardCounts[name] = n
		for i := range len(name) {
			if name[i] == '/' {
				benchguardParents[name[:i+1]] = true
			}
		}
	}
}

// benchguardSimCount gives a benchmark the iteration count it is listed with; a parent of
// listed benchmarks runs once, any other benchmark runs an empty function once (its set-up is
// not simulated either).
func benchguardSimCount(b *B) {
	if benchguardCounts == nil {
		return
	}
	n, ok := benchguardCounts[b.name]
	if !ok {
		n = 1
		if !benchguardParents[b.name+"/"] {
			b.benchFunc = func(*B) {}
		}
	}
	b.benchTime = durationOrCountFlag{n: n}
}

// benchguardSimThread locks a simulated runN to its OS thread: callgrind's collection state
// belongs to a thread, and a goroutine that moved would run uncounted. Only this thread is
// counted: sysmon and other goroutines' threads are not.
func benchguardSimThread(b *B) func() {
	if benchguardCounts == nil {
		return func() {}
	}
	runtime.LockOSThread()
	b.benchguardTid = syscall.Gettid()
	return func() {
		b.benchguardTid = 0
		runtime.UnlockOSThread()
	}
}

// benchguardSimPrepare starts every timed run from the same state: the heap handed back to
// the OS (what earlier runs left decides whether memory is fresh or reused) and a fixed random
// state on the counted thread (map seeds).
func benchguardSimPrepare() {
	if benchguardCounts == nil {
		return
	}
	debug.FreeOSMemory()
	benchguardRuntimeReseed()
}

// benchguardSimCollect sets callgrind's collection state of b's thread (the request toggles
// the calling thread's).
func benchguardSimCollect(b *B, on bool) {
	if benchguardCounts == nil {
		return
	}
	tid := b.benchguardTid
	if tid == 0 {
		tid = syscall.Gettid()
	}
	slot := &benchguardCollecting[0]
	for i := range benchguardCollecting {
		if benchguardCollecting[i].tid == tid || benchguardCollecting[i].tid == 0 {
			slot = &benchguardCollecting[i]
			break
		}
	}
	slot.tid = tid
	if slot.on != on {
		benchguardClientRequest(benchguardToggleCollect, 0, 0, 0, 0, 0)
		slot.on = on
	}
}

func benchguardSimZero() {
	if benchguardCounts != nil {
		benchguardClientRequest(benchguardZeroStats, 0, 0, 0, 0, 0)
	}
}

// benchguardSimGrain: RunParallel's grain follows the previous run's wall time; simulating,
// it is fixed so that the count does not follow the clock.
func benchguardSimGrain(grain uint64) uint64 {
	if benchguardCounts == nil {
		return grain
	}
	return 1e4
}

func benchguardSimMark(b *B, mark string) {
	if benchguardCounts != nil {
		b.benchguardMarks = mark + ","
	}
	// the native probe: which benchmarks call RunParallel, before any is simulated
	if path := os.Getenv("BENCHGUARD_SIM_MARKS"); path != "" && !benchguardMarked[b.name] {
		benchguardMarked[b.name] = true
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			f.WriteString(mark + "\\t" + b.name + "\\n")
			f.Close()
		}
	}
}

// benchguardSimDump ends a runN: what was collected since the last dump or zero (its timed
// part) becomes one labelled part of the profile.
func benchguardSimDump(b *B) {
	if benchguardCounts == nil {
		return
	}
	label := "benchguard-sim n=" + strconv.Itoa(b.N) + " marks=" + b.benchguardMarks +
		" name=" + b.name
	n := copy(benchguardLabel[:len(benchguardLabel)-1], label)
	benchguardLabel[n] = 0
	at := uintptr(unsafe.Pointer(&benchguardLabel[0]))
	benchguardClientRequest(benchguardDumpStatsAt, at, 0, 0, 0, 0)
	b.benchguardMarks = ""
}
'''

TESTING_ASM = '''// Added by benchguard's simulation instrument (an overlay, not Go's own).
// Valgrind's client request (valgrind.h): a no-op on a real CPU.

#include "textflag.h"

// func benchguardClientRequest(req, a1, a2, a3, a4, a5 uintptr) uintptr
TEXT ·benchguardClientRequest(SB), NOSPLIT, $0-56
	LEAQ req+0(FP), AX
	XORL DX, DX
	ROLQ $3, DI; ROLQ $13, DI
	ROLQ $61, DI; ROLQ $51, DI
	XCHGQ BX, BX
	MOVQ DX, ret+48(FP)
	RET
'''

_SEED = "\tglobalRand.state.Init(*seed)\n"
_PREEMPT = "\t\t} else if pd.schedwhen+forcePreemptNS <= now {\n\t\t\tpreemptone(pp)\n"

RUNTIME_PATCHES: tuple[tuple[str, str, str], ...] = (
    # the startup seed fixed (map seeds, hash keys, every m's generator): BENCHGUARD_SIM_SEED=1
    ("rand.go", _SEED, "\tbenchguardSeed(seed)\n" + _SEED),
    # sysmon's forced preemption every 10 ms of wall time put wall-time-proportional scheduler
    # work on the counted thread: off with BENCHGUARD_SIM_NOPREEMPT=1
    ("proc.go", _PREEMPT, _PREEMPT.replace("now {", "now && !benchguardNoPreempt {")),
)

RUNTIME_SOURCE = '''// Added by benchguard's simulation instrument (an overlay, not Go's own).

package runtime

import _ "unsafe" // for go:linkname

// benchguardNoPreempt: sysmon does not force preemption (BENCHGUARD_SIM_NOPREEMPT=1).
var benchguardNoPreempt bool

// benchguardSeed replaces the startup seed with a constant when the environment has
// BENCHGUARD_SIM_SEED=1, and reads BENCHGUARD_SIM_NOPREEMPT (randinit runs before sysmon
// starts and before goenvs).
func benchguardSeed(seed *[32]byte) {
	for i := int32(0); ; i++ {
		p := argv_index(argv, argc+1+i)
		if p == nil {
			return
		}
		switch gostringnocopy(p) {
		case "BENCHGUARD_SIM_SEED=1":
			for j := range seed {
				seed[j] = byte(j*7 + 1)
			}
		case "BENCHGUARD_SIM_NOPREEMPT=1":
			benchguardNoPreempt = true
		}
	}
}

// benchguardReseed gives the calling thread's m a fixed random state; testing calls it before
// each simulated run, as which m drew which numbers before depends on timing.
//
//go:linkname benchguardReseed
func benchguardReseed() {
	mp := acquirem()
	var seed [4]uint64
	for i := range seed {
		seed[i] = uint64(i)*0x9e3779b97f4a7c15 + 1
	}
	mp.chacha8.Init64(seed)
	mp.cheaprand = rand()
	releasem(mp)
}
'''
