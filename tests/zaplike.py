"""A Go repository shaped like uber-go/zap, for benchguard's tests and benchmarks/ scripts.

    write(root) -> Layout

writes, with the standard library only (it builds offline, in seconds):

    go.mod                     module example.com/zaplike
    *.go                       package zaplike: Logger, fields, sugar (imports zapcore and
                               internal/stacktrace; like zap's root package)
    zapcore/                   the core: levels, buffer, fields, the JSON and console encoders,
                               cores, tee, sampler, write syncers, a ring buffer writer; 51
                               benchmarks (like zapcore, the costliest package)
    zapio/                     an io.Writer that logs each line (imports zapcore and the root
                               directly; like zapio)
    internal/stacktrace/       stack traces for the root; neither imports zapcore nor is
                               imported by it
    benchmarks/                a nested module (its own go.mod, `replace` to the root; like zap's
                               benchmarks/) whose scenario benchmarks import the root
    README.md, docs/usage.md   documentation

The knobs change one file each, so that writing the tree again with another value and
committing makes a push that changes only that file:

    slow_encoder=N             zapcore/json_encoder.go escapes every string N times (keeping the
                               last): JSON-encoding benchmarks get slower, roughly in proportion
                               to how string-heavy they are
    allocating_encoder=True    zapcore/json_encoder.go copies every string to the heap before
                               escaping it: one more allocs/op per string encoded
    comment_revision=N         a comment in zapcore/json_encoder.go (a Go file, no code change)
    docs_revision=N            README.md and docs/usage.md (no Go file)

The encoder's output is the same whatever the knobs; zapcore's tests check it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

MODULE = "example.com/zaplike"
CORE = "zapcore"
CORE_FILE = "zapcore/json_encoder.go"
DOCS_FILES = ("README.md", "docs/usage.md")


class Relation(enum.Enum):
    """How a package's code depends on the core package."""

    CORE = "core"
    DIRECT = "imports core"
    INDIRECT = "imports an importer of core"
    NONE = "independent of core"


@dataclass(frozen=True)
class Package:
    """A benchmarked package as written: where it is and what `go test -bench .` reports."""

    module_dir: Path
    pattern: str
    import_path: str
    relation: Relation
    benchmarks: tuple[str, ...]

    @property
    def top_level(self) -> tuple[str, ...]:
        """The top-level benchmark functions, as `go test -list` prints them."""
        return tuple(dict.fromkeys(name.split("/")[0] for name in self.benchmarks))


@dataclass(frozen=True)
class Layout:
    """What write() wrote."""

    root: Path
    modules: tuple[Path, ...]
    packages: tuple[Package, ...]
    core_file: Path
    docs_files: tuple[Path, ...]

    @property
    def core(self) -> Package:
        return self.package("./" + CORE)

    def package(self, pattern: str, module_dir: Path | None = None) -> Package:
        for package in self.packages:
            if package.pattern == pattern and module_dir in (None, package.module_dir):
                return package
        raise KeyError(pattern)

    @property
    def benchmark_count(self) -> int:
        return sum(len(package.benchmarks) for package in self.packages)


def _subs(top: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{top}/{name}" for name in names)


CORE_BENCHMARKS: tuple[str, ...] = (
    "BenchmarkZapJSON",
    "BenchmarkJSONEncodeEntry",
    "BenchmarkStandardJSON",
    *_subs("BenchmarkJSONEscape", "ascii_short", "ascii_long", "quotes", "control", "unicode",
           "invalid_utf8"),
    *_subs("BenchmarkJSONAppend", "int", "float", "bool", "duration", "time", "binary", "string",
           "reflected"),
    *_subs("BenchmarkJSONEncodeFields", "1", "10", "100", "with_context"),
    *_subs("BenchmarkJSONArray", "ints_16", "strings_16", "objects_4"),
    *_subs("BenchmarkConsoleEncodeEntry", "no_fields", "five_fields", "with_caller"),
    *_subs("BenchmarkLevelEnabled", "debug", "info", "warn", "error"),
    *_subs("BenchmarkParseLevel", "info", "WARN", "bogus"),
    *_subs("BenchmarkBuffer", "AppendByte", "AppendString", "AppendInt", "AppendFloat"),
    *_subs("BenchmarkSampler_Check", "7_keys", "50_keys", "100_keys"),
    *_subs("BenchmarkSampler_CheckWithHook", "7_keys", "50_keys", "100_keys"),
    *_subs("BenchmarkMultiWriteSyncer", "2_discarder", "4_discarder"),
    "BenchmarkBufferedWriteSyncer",
    *_subs("BenchmarkRingWriter", "small_lines", "large_lines"),
    "BenchmarkTeeCheck",
    "BenchmarkIOCoreWrite",
)

ROOT_BENCHMARKS: tuple[str, ...] = (
    *_subs("BenchmarkField", "bool", "float64", "int", "string", "stringer", "time", "duration",
           "error", "object", "reflect"),
    "BenchmarkNoContext",
    "Benchmark10Fields",
    "Benchmark100Fields",
    "Benchmark5WithsUsed",
    "Benchmark5WithsNotUsed",
    "Benchmark5WithLazysNotUsed",
    *_subs("BenchmarkAny", "string", "int64", "error", "slice"),
    "BenchmarkSugarInfow",
    "BenchmarkSugarInfof",
    "BenchmarkCheckDisabled",
    "BenchmarkAddCaller",
    "BenchmarkAddStacktrace",
)

ZAPIO_BENCHMARKS: tuple[str, ...] = (
    *_subs("BenchmarkWriter", "single", "multi_4", "partial_chunks", "long_1KiB", "empty_lines"),
    *_subs("BenchmarkWriterLevels", "filtered", "info", "error"),
    *_subs("BenchmarkWriterPrefixed", "info", "warn", "unknown"),
    "BenchmarkWriterSync",
)

STACKTRACE_BENCHMARKS: tuple[str, ...] = _subs("BenchmarkTake", "shallow", "deep_16")

SCENARIO_BENCHMARKS: tuple[str, ...] = (
    *_subs("BenchmarkDisabledWithoutFields", "Zap", "Zap.Check", "Zap.Sugar"),
    *_subs("BenchmarkWithoutFields", "Zap", "Zap.Check", "Zap.Sugar", "stdlib.Println"),
    *_subs("BenchmarkAccumulatedContext", "Zap", "Zap.Sugar"),
    *_subs("BenchmarkAddingFields", "Zap", "Zap.Check", "Zap.Sugar"),
)

# ---------------------------------------------------------------------------------------------
# The core package, zapcore.

LEVEL_GO = r"""package zapcore

import (
	"bytes"
	"errors"
	"fmt"
)

// A Level is a logging priority. Higher levels are more important.
type Level int8

const (
	// DebugLevel logs are typically voluminous, and are usually disabled in production.
	DebugLevel Level = iota - 1
	// InfoLevel is the default logging priority.
	InfoLevel
	// WarnLevel logs are more important than Info, but don't need individual human review.
	WarnLevel
	// ErrorLevel logs are high-priority.
	ErrorLevel
	// DPanicLevel logs are particularly important errors.
	DPanicLevel
	// PanicLevel logs a message, then panics.
	PanicLevel
	// FatalLevel logs a message, then calls os.Exit(1).
	FatalLevel

	_minLevel = DebugLevel
	_maxLevel = FatalLevel
)

var errUnmarshalNilLevel = errors.New("can't unmarshal a nil *Level")

// String returns a lower-case ASCII representation of the log level.
func (l Level) String() string {
	switch l {
	case DebugLevel:
		return "debug"
	case InfoLevel:
		return "info"
	case WarnLevel:
		return "warn"
	case ErrorLevel:
		return "error"
	case DPanicLevel:
		return "dpanic"
	case PanicLevel:
		return "panic"
	case FatalLevel:
		return "fatal"
	default:
		return fmt.Sprintf("Level(%d)", l)
	}
}

// CapitalString returns an all-caps ASCII representation of the log level.
func (l Level) CapitalString() string {
	switch l {
	case DebugLevel:
		return "DEBUG"
	case InfoLevel:
		return "INFO"
	case WarnLevel:
		return "WARN"
	case ErrorLevel:
		return "ERROR"
	case DPanicLevel:
		return "DPANIC"
	case PanicLevel:
		return "PANIC"
	case FatalLevel:
		return "FATAL"
	default:
		return fmt.Sprintf("LEVEL(%d)", l)
	}
}

// ParseLevel parses a level from its lower-case or all-caps ASCII representation.
func ParseLevel(text string) (Level, error) {
	var level Level
	err := level.UnmarshalText([]byte(text))
	return level, err
}

// UnmarshalText unmarshals text to a level; the empty string is InfoLevel.
func (l *Level) UnmarshalText(text []byte) error {
	if l == nil {
		return errUnmarshalNilLevel
	}
	if !l.unmarshalText(text) && !l.unmarshalText(bytes.ToLower(text)) {
		return fmt.Errorf("unrecognized level: %q", text)
	}
	return nil
}

func (l *Level) unmarshalText(text []byte) bool {
	switch string(text) {
	case "debug":
		*l = DebugLevel
	case "info", "":
		*l = InfoLevel
	case "warn", "warning":
		*l = WarnLevel
	case "error":
		*l = ErrorLevel
	case "dpanic":
		*l = DPanicLevel
	case "panic":
		*l = PanicLevel
	case "fatal":
		*l = FatalLevel
	default:
		return false
	}
	return true
}

// Enabled reports whether the given level is at or above this level.
func (l Level) Enabled(lvl Level) bool {
	return lvl >= l
}

// LevelEnabler decides whether a given logging level is enabled when logging a message.
type LevelEnabler interface {
	Enabled(Level) bool
}

// LevelEnablerFunc is a convenient way to implement LevelEnabler with a function.
type LevelEnablerFunc func(Level) bool

// Enabled calls the wrapped function.
func (f LevelEnablerFunc) Enabled(lvl Level) bool { return f(lvl) }
"""

BUFFER_GO = r"""package zapcore

import (
	"strconv"
	"sync"
	"time"
)

const _size = 1024

// Buffer is a thin wrapper around a byte slice, for encoders to append to.
type Buffer struct {
	bs   []byte
	pool BufferPool
}

// AppendByte writes a single byte to the Buffer.
func (b *Buffer) AppendByte(v byte) { b.bs = append(b.bs, v) }

// AppendBytes writes bytes to the Buffer.
func (b *Buffer) AppendBytes(v []byte) { b.bs = append(b.bs, v...) }

// AppendString writes a string to the Buffer.
func (b *Buffer) AppendString(s string) { b.bs = append(b.bs, s...) }

// AppendInt appends an integer in base 10.
func (b *Buffer) AppendInt(i int64) { b.bs = strconv.AppendInt(b.bs, i, 10) }

// AppendUint appends an unsigned integer in base 10.
func (b *Buffer) AppendUint(i uint64) { b.bs = strconv.AppendUint(b.bs, i, 10) }

// AppendFloat appends a float with the shortest representation that round-trips.
func (b *Buffer) AppendFloat(f float64, bitSize int) {
	b.bs = strconv.AppendFloat(b.bs, f, 'f', -1, bitSize)
}

// AppendBool appends true or false.
func (b *Buffer) AppendBool(v bool) { b.bs = strconv.AppendBool(b.bs, v) }

// AppendTime appends a time formatted with the given layout.
func (b *Buffer) AppendTime(t time.Time, layout string) { b.bs = t.AppendFormat(b.bs, layout) }

// Len returns the length of the underlying byte slice.
func (b *Buffer) Len() int { return len(b.bs) }

// Cap returns the capacity of the underlying byte slice.
func (b *Buffer) Cap() int { return cap(b.bs) }

// Bytes returns a mutable reference to the underlying byte slice.
func (b *Buffer) Bytes() []byte { return b.bs }

// String returns a string copy of the underlying byte slice.
func (b *Buffer) String() string { return string(b.bs) }

// Reset resets the underlying byte slice, keeping its capacity.
func (b *Buffer) Reset() { b.bs = b.bs[:0] }

// Truncate keeps the first n bytes.
func (b *Buffer) Truncate(n int) { b.bs = b.bs[:n] }

// Write implements io.Writer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.bs = append(b.bs, p...)
	return len(p), nil
}

// TrimNewline trims any final "\n" byte from the end of the buffer.
func (b *Buffer) TrimNewline() {
	if i := len(b.bs) - 1; i >= 0 && b.bs[i] == '\n' {
		b.bs = b.bs[:i]
	}
}

// Free returns the Buffer to its pool. Callers must not keep references to it.
func (b *Buffer) Free() {
	if b.pool.p != nil {
		b.pool.p.Put(b)
	}
}

// A BufferPool is a type-safe wrapper around a sync.Pool of Buffers.
type BufferPool struct {
	p *sync.Pool
}

// NewBufferPool constructs a new pool.
func NewBufferPool() BufferPool {
	return BufferPool{p: &sync.Pool{New: func() any {
		return &Buffer{bs: make([]byte, 0, _size)}
	}}}
}

// Get retrieves an empty Buffer from the pool, creating one if necessary.
func (p BufferPool) Get() *Buffer {
	buf := p.p.Get().(*Buffer)
	buf.Reset()
	buf.pool = p
	return buf
}

var _bufferPool = NewBufferPool()

// GetBuffer retrieves an empty Buffer from the package's pool.
func GetBuffer() *Buffer { return _bufferPool.Get() }
"""

ENCODER_GO = r"""package zapcore

import "time"

// ObjectEncoder is a strongly-typed, encoding-agnostic interface for adding a map- or
// struct-like object to the logging context.
type ObjectEncoder interface {
	AddArray(key string, marshaler ArrayMarshaler) error
	AddObject(key string, marshaler ObjectMarshaler) error
	AddBinary(key string, value []byte)
	AddBool(key string, value bool)
	AddDuration(key string, value time.Duration)
	AddFloat64(key string, value float64)
	AddInt64(key string, value int64)
	AddString(key, value string)
	AddTime(key string, value time.Time)
	AddUint64(key string, value uint64)
	AddReflected(key string, value any) error
	OpenNamespace(key string)
}

// ArrayEncoder is a strongly-typed, encoding-agnostic interface for adding array-like objects
// to the logging context.
type ArrayEncoder interface {
	AppendBool(bool)
	AppendFloat64(float64)
	AppendInt64(int64)
	AppendString(string)
	AppendObject(ObjectMarshaler) error
	AppendArray(ArrayMarshaler) error
}

// ObjectMarshaler allows user-defined types to efficiently add themselves to the logging
// context, and to selectively omit information which shouldn't be included in logs.
type ObjectMarshaler interface {
	MarshalLogObject(ObjectEncoder) error
}

// ObjectMarshalerFunc is a type adapter that turns a function into an ObjectMarshaler.
type ObjectMarshalerFunc func(ObjectEncoder) error

// MarshalLogObject calls the underlying function.
func (f ObjectMarshalerFunc) MarshalLogObject(enc ObjectEncoder) error { return f(enc) }

// ArrayMarshaler allows user-defined types to efficiently add themselves to the logging
// context as arrays.
type ArrayMarshaler interface {
	MarshalLogArray(ArrayEncoder) error
}

// ArrayMarshalerFunc is a type adapter that turns a function into an ArrayMarshaler.
type ArrayMarshalerFunc func(ArrayEncoder) error

// MarshalLogArray calls the underlying function.
func (f ArrayMarshalerFunc) MarshalLogArray(enc ArrayEncoder) error { return f(enc) }

// EncoderConfig names the keys of an entry and says how to write its parts.
type EncoderConfig struct {
	MessageKey       string
	LevelKey         string
	TimeKey          string
	NameKey          string
	CallerKey        string
	StacktraceKey    string
	LineEnding       string
	ConsoleSeparator string
	// TimeLayout formats times with time.AppendFormat; empty means seconds since the epoch.
	TimeLayout string
}

// NewProductionEncoderConfig returns an opinionated EncoderConfig for production.
func NewProductionEncoderConfig() EncoderConfig {
	return EncoderConfig{
		MessageKey:    "msg",
		LevelKey:      "level",
		TimeKey:       "ts",
		NameKey:       "logger",
		CallerKey:     "caller",
		StacktraceKey: "stacktrace",
		LineEnding:    "\n",
	}
}

// Encoder is a format-agnostic interface for all log entry marshalers.
type Encoder interface {
	ObjectEncoder
	// Clone copies the encoder, ensuring that adding fields to the copy doesn't affect the
	// original.
	Clone() Encoder
	// EncodeEntry encodes an entry and fields, along with any accumulated context, into a
	// byte buffer and returns it. Any fields that are empty should be omitted.
	EncodeEntry(Entry, []Field) (*Buffer, error)
}
"""

FIELD_GO = r"""package zapcore

import (
	"fmt"
	"math"
	"time"
)

// A FieldType indicates which member of the Field union struct should be used and how it
// should be serialized.
type FieldType uint8

const (
	// UnknownType is the default field type.
	UnknownType FieldType = iota
	// ArrayMarshalerType indicates that the field carries an ArrayMarshaler.
	ArrayMarshalerType
	// ObjectMarshalerType indicates that the field carries an ObjectMarshaler.
	ObjectMarshalerType
	// BinaryType indicates that the field carries an opaque binary blob.
	BinaryType
	// BoolType indicates that the field carries a bool.
	BoolType
	// DurationType indicates that the field carries a time.Duration.
	DurationType
	// Float64Type indicates that the field carries a float64.
	Float64Type
	// Int64Type indicates that the field carries an int64.
	Int64Type
	// StringType indicates that the field carries a string.
	StringType
	// TimeType indicates that the field carries a time.Time.
	TimeType
	// Uint64Type indicates that the field carries a uint64.
	Uint64Type
	// ReflectType indicates that the field carries an interface{}, which should be
	// serialized using reflection.
	ReflectType
	// StringerType indicates that the field carries a fmt.Stringer.
	StringerType
	// ErrorType indicates that the field carries an error.
	ErrorType
	// SkipType indicates that the field is a no-op.
	SkipType
)

// A Field is a marshaling operation used to add a key-value pair to a logger's context.
// Most fields are lazily marshaled, so it's inexpensive to add fields to disabled debug-level
// log statements.
type Field struct {
	Key       string
	Type      FieldType
	Integer   int64
	String    string
	Interface any
}

// AddTo exports a field through the ObjectEncoder interface.
func (f Field) AddTo(enc ObjectEncoder) {
	var err error
	switch f.Type {
	case ArrayMarshalerType:
		err = enc.AddArray(f.Key, f.Interface.(ArrayMarshaler))
	case ObjectMarshalerType:
		err = enc.AddObject(f.Key, f.Interface.(ObjectMarshaler))
	case BinaryType:
		enc.AddBinary(f.Key, f.Interface.([]byte))
	case BoolType:
		enc.AddBool(f.Key, f.Integer == 1)
	case DurationType:
		enc.AddDuration(f.Key, time.Duration(f.Integer))
	case Float64Type:
		enc.AddFloat64(f.Key, math.Float64frombits(uint64(f.Integer)))
	case Int64Type:
		enc.AddInt64(f.Key, f.Integer)
	case StringType:
		enc.AddString(f.Key, f.String)
	case TimeType:
		if loc, ok := f.Interface.(*time.Location); ok {
			enc.AddTime(f.Key, time.Unix(0, f.Integer).In(loc))
		} else {
			enc.AddTime(f.Key, time.Unix(0, f.Integer))
		}
	case Uint64Type:
		enc.AddUint64(f.Key, uint64(f.Integer))
	case ReflectType:
		err = enc.AddReflected(f.Key, f.Interface)
	case StringerType:
		enc.AddString(f.Key, f.Interface.(fmt.Stringer).String())
	case ErrorType:
		enc.AddString(f.Key, f.Interface.(error).Error())
	case SkipType:
	default:
		panic(fmt.Sprintf("unknown field type: %v", f))
	}
	if err != nil {
		enc.AddString(f.Key+"Error", err.Error())
	}
}

func addFields(enc ObjectEncoder, fields []Field) {
	for i := range fields {
		fields[i].AddTo(enc)
	}
}
"""

JSON_ENCODER_GO = r"""package zapcore

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"sync"
	"time"
	"unicode/utf8"
)

// The JSON encoder writes each entry as one line of JSON, appending to a pooled Buffer with
// no reflection on the hot path; only AddReflected falls back to encoding/json.
//{{COMMENT}}

// For JSON-escaping; see jsonEncoder.safeAddString below.
const _hex = "0123456789abcdef"
{{PASSES_CONST}}
var _jsonPool = sync.Pool{New: func() any {
	return &jsonEncoder{}
}}

func getJSONEncoder() *jsonEncoder {
	return _jsonPool.Get().(*jsonEncoder)
}

func putJSONEncoder(enc *jsonEncoder) {
	enc.EncoderConfig = nil
	enc.buf = nil
	enc.spaced = false
	enc.openNamespaces = 0
	enc.scratch = nil
	_jsonPool.Put(enc)
}

type jsonEncoder struct {
	*EncoderConfig
	buf            *Buffer
	spaced         bool // include spaces after colons and commas
	openNamespaces int
	scratch        []byte
}

// NewJSONEncoder creates a fast, low-allocation JSON encoder.
func NewJSONEncoder(cfg EncoderConfig) Encoder {
	return newJSONEncoder(cfg, false)
}

func newJSONEncoder(cfg EncoderConfig, spaced bool) *jsonEncoder {
	if cfg.LineEnding == "" {
		cfg.LineEnding = "\n"
	}
	return &jsonEncoder{
		EncoderConfig: &cfg,
		buf:           GetBuffer(),
		spaced:        spaced,
	}
}

func (enc *jsonEncoder) AddArray(key string, arr ArrayMarshaler) error {
	enc.addKey(key)
	return enc.AppendArray(arr)
}

func (enc *jsonEncoder) AddObject(key string, obj ObjectMarshaler) error {
	enc.addKey(key)
	return enc.AppendObject(obj)
}

func (enc *jsonEncoder) AddBinary(key string, val []byte) {
	enc.AddString(key, base64.StdEncoding.EncodeToString(val))
}

func (enc *jsonEncoder) AddBool(key string, val bool) {
	enc.addKey(key)
	enc.AppendBool(val)
}

func (enc *jsonEncoder) AddDuration(key string, val time.Duration) {
	enc.addKey(key)
	enc.AppendDuration(val)
}

func (enc *jsonEncoder) AddFloat64(key string, val float64) {
	enc.addKey(key)
	enc.AppendFloat64(val)
}

func (enc *jsonEncoder) AddInt64(key string, val int64) {
	enc.addKey(key)
	enc.AppendInt64(val)
}

func (enc *jsonEncoder) AddString(key, val string) {
	enc.addKey(key)
	enc.AppendString(val)
}

func (enc *jsonEncoder) AddTime(key string, val time.Time) {
	enc.addKey(key)
	enc.AppendTime(val)
}

func (enc *jsonEncoder) AddUint64(key string, val uint64) {
	enc.addKey(key)
	enc.AppendUint64(val)
}

func (enc *jsonEncoder) AddReflected(key string, obj any) error {
	encoded, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	enc.addKey(key)
	enc.buf.AppendBytes(encoded)
	return nil
}

func (enc *jsonEncoder) OpenNamespace(key string) {
	enc.addKey(key)
	enc.buf.AppendByte('{')
	enc.openNamespaces++
}

func (enc *jsonEncoder) AppendArray(arr ArrayMarshaler) error {
	enc.addElementSeparator()
	enc.buf.AppendByte('[')
	err := arr.MarshalLogArray(enc)
	enc.buf.AppendByte(']')
	return err
}

func (enc *jsonEncoder) AppendObject(obj ObjectMarshaler) error {
	// Close ONLY new openNamespaces that are created during AppendObject().
	old := enc.openNamespaces
	enc.openNamespaces = 0
	enc.addElementSeparator()
	enc.buf.AppendByte('{')
	err := obj.MarshalLogObject(enc)
	enc.buf.AppendByte('}')
	enc.closeOpenNamespaces()
	enc.openNamespaces = old
	return err
}

func (enc *jsonEncoder) AppendBool(val bool) {
	enc.addElementSeparator()
	enc.buf.AppendBool(val)
}

func (enc *jsonEncoder) AppendDuration(val time.Duration) {
	enc.AppendString(val.String())
}

func (enc *jsonEncoder) AppendFloat64(val float64) {
	enc.addElementSeparator()
	switch {
	case math.IsNaN(val):
		enc.buf.AppendString(`"NaN"`)
	case math.IsInf(val, 1):
		enc.buf.AppendString(`"+Inf"`)
	case math.IsInf(val, -1):
		enc.buf.AppendString(`"-Inf"`)
	default:
		enc.buf.AppendFloat(val, 64)
	}
}

func (enc *jsonEncoder) AppendInt64(val int64) {
	enc.addElementSeparator()
	enc.buf.AppendInt(val)
}

func (enc *jsonEncoder) AppendUint64(val uint64) {
	enc.addElementSeparator()
	enc.buf.AppendUint(val)
}

func (enc *jsonEncoder) AppendString(val string) {
	enc.addElementSeparator()
	enc.buf.AppendByte('"')
	enc.safeAddString(val)
	enc.buf.AppendByte('"')
}

func (enc *jsonEncoder) AppendTime(val time.Time) {
	if enc.TimeLayout == "" {
		enc.AppendFloat64(float64(val.UnixNano()) / float64(time.Second))
		return
	}
	enc.addElementSeparator()
	enc.buf.AppendByte('"')
	enc.buf.AppendTime(val, enc.TimeLayout)
	enc.buf.AppendByte('"')
}

func (enc *jsonEncoder) Clone() Encoder {
	clone := enc.clone()
	clone.buf.AppendBytes(enc.buf.Bytes())
	return clone
}

func (enc *jsonEncoder) clone() *jsonEncoder {
	clone := getJSONEncoder()
	clone.EncoderConfig = enc.EncoderConfig
	clone.spaced = enc.spaced
	clone.openNamespaces = enc.openNamespaces
	clone.buf = GetBuffer()
	return clone
}

func (enc *jsonEncoder) EncodeEntry(ent Entry, fields []Field) (*Buffer, error) {
	final := enc.clone()
	final.buf.AppendByte('{')

	if final.LevelKey != "" {
		final.addKey(final.LevelKey)
		final.AppendString(ent.Level.String())
	}
	if final.TimeKey != "" {
		final.AddTime(final.TimeKey, ent.Time)
	}
	if ent.LoggerName != "" && final.NameKey != "" {
		final.AddString(final.NameKey, ent.LoggerName)
	}
	if ent.Caller.Defined && final.CallerKey != "" {
		final.AddString(final.CallerKey, ent.Caller.TrimmedPath())
	}
	if final.MessageKey != "" {
		final.AddString(final.MessageKey, ent.Message)
	}
	if enc.buf.Len() > 0 {
		final.addElementSeparator()
		final.buf.AppendBytes(enc.buf.Bytes())
	}
	addFields(final, fields)
	final.closeOpenNamespaces()
	if ent.Stack != "" && final.StacktraceKey != "" {
		final.AddString(final.StacktraceKey, ent.Stack)
	}
	final.buf.AppendByte('}')
	final.buf.AppendString(final.LineEnding)

	ret := final.buf
	putJSONEncoder(final)
	return ret, nil
}

func (enc *jsonEncoder) closeOpenNamespaces() {
	for i := 0; i < enc.openNamespaces; i++ {
		enc.buf.AppendByte('}')
	}
	enc.openNamespaces = 0
}

func (enc *jsonEncoder) addKey(key string) {
	enc.addElementSeparator()
	enc.buf.AppendByte('"')
	enc.safeAddString(key)
	enc.buf.AppendByte('"')
	enc.buf.AppendByte(':')
	if enc.spaced {
		enc.buf.AppendByte(' ')
	}
}

func (enc *jsonEncoder) addElementSeparator() {
	last := enc.buf.Len() - 1
	if last < 0 {
		return
	}
	switch enc.buf.bs[last] {
	case '{', '[', ':', ',', ' ':
		return
	default:
		enc.buf.AppendByte(',')
		if enc.spaced {
			enc.buf.AppendByte(' ')
		}
	}
}

// safeAddString JSON-escapes a string and appends it to the internal buffer.
// Unlike the standard library's encoder, it doesn't attempt to protect the
// user from browser vulnerabilities or JSONP-related problems.
{{SAFE_ADD_STRING}}

// tryAddRuneSelf appends b if it is valid UTF-8 character represented in a single byte.
func (enc *jsonEncoder) tryAddRuneSelf(b byte) bool {
	if b >= utf8.RuneSelf {
		return false
	}
	if b >= 0x20 && b != '\\' && b != '"' {
		enc.buf.AppendByte(b)
		return true
	}
	switch b {
	case '\\', '"':
		enc.buf.AppendByte('\\')
		enc.buf.AppendByte(b)
	case '\n':
		enc.buf.AppendByte('\\')
		enc.buf.AppendByte('n')
	case '\r':
		enc.buf.AppendByte('\\')
		enc.buf.AppendByte('r')
	case '\t':
		enc.buf.AppendByte('\\')
		enc.buf.AppendByte('t')
	default:
		// Encode bytes < 0x20, except for the escape sequences above.
		enc.buf.AppendString(`\u00`)
		enc.buf.AppendByte(_hex[b>>4])
		enc.buf.AppendByte(_hex[b&0xF])
	}
	return true
}

func (enc *jsonEncoder) tryAddRuneError(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		enc.buf.AppendString(`\ufffd`)
		return true
	}
	return false
}
"""

ESCAPE_LOOP = r"""	for i := 0; i < len(s); {
		if enc.tryAddRuneSelf(s[i]) {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if enc.tryAddRuneError(r, size) {
			i++
			continue
		}
		enc.buf.AppendString(s[i : i+size])
		i += size
	}"""


def _safe_add_string(slow_encoder: int, allocating: bool) -> str:
    loop = ESCAPE_LOOP
    if allocating:
        loop = loop.replace("len(s)", "len(b)").replace("s[i]", "b[i]").replace(
            "utf8.DecodeRuneInString(s[i:])", "utf8.DecodeRune(b[i:])").replace(
            "enc.buf.AppendString(s[i : i+size])", "enc.buf.AppendBytes(b[i : i+size])")
        head = "\tenc.scratch = append([]byte(nil), s...)\n\tb := enc.scratch\n"
    else:
        head = ""
    if slow_encoder > 1:
        body = ("\tstart := enc.buf.Len()\n\tfor pass := 0; pass < _escapePasses; pass++ {\n"
                "\t\tenc.buf.Truncate(start)\n"
                + "\n".join("\t" + line if line else line for line in loop.split("\n"))
                + "\n\t}")
    else:
        body = loop
    return "func (enc *jsonEncoder) safeAddString(s string) {\n" + head + body + "\n}"


def json_encoder_source(*, slow_encoder: int = 1, allocating_encoder: bool = False,
                        comment_revision: int = 0) -> str:
    """zapcore/json_encoder.go: slow_encoder escapes every string that many times (keeping the
    last), allocating_encoder copies every string to the heap first; same output either way."""
    if slow_encoder < 1:
        raise ValueError(f"slow_encoder must be at least 1, not {slow_encoder}")
    comment = " It never returns an error for a field it cannot encode: the field's key gets an"
    comment += '\n// "Error" suffix and the error text instead.'
    if comment_revision:
        comment += f"\n// (Revision {comment_revision} of this note.)"
    passes = (f"\n// _escapePasses is how many times safeAddString escapes each string.\n"
              f"const _escapePasses = {slow_encoder}\n" if slow_encoder > 1 else "")
    return (JSON_ENCODER_GO.replace("{{COMMENT}}", comment)
            .replace("{{PASSES_CONST}}", passes)
            .replace("{{SAFE_ADD_STRING}}", _safe_add_string(slow_encoder, allocating_encoder)))


CONSOLE_ENCODER_GO = r"""package zapcore

import "strconv"

const _consoleTimeLayout = "2006-01-02T15:04:05.000Z0700"

type consoleEncoder struct {
	*jsonEncoder
}

// NewConsoleEncoder creates an encoder whose output is designed for human consumption rather
// than machine consumption: the entry's parts separated by tabs, then the fields as JSON.
func NewConsoleEncoder(cfg EncoderConfig) Encoder {
	if cfg.ConsoleSeparator == "" {
		cfg.ConsoleSeparator = "\t"
	}
	return consoleEncoder{newJSONEncoder(cfg, true)}
}

func (c consoleEncoder) Clone() Encoder {
	return consoleEncoder{c.jsonEncoder.Clone().(*jsonEncoder)}
}

func (c consoleEncoder) EncodeEntry(ent Entry, fields []Field) (*Buffer, error) {
	line := GetBuffer()
	if c.TimeKey != "" {
		line.AppendTime(ent.Time, _consoleTimeLayout)
	}
	if c.LevelKey != "" {
		c.addSeparatorIfNecessary(line)
		line.AppendString(ent.Level.CapitalString())
	}
	if ent.LoggerName != "" && c.NameKey != "" {
		c.addSeparatorIfNecessary(line)
		line.AppendString(ent.LoggerName)
	}
	if ent.Caller.Defined && c.CallerKey != "" {
		c.addSeparatorIfNecessary(line)
		line.AppendString(ent.Caller.File)
		line.AppendByte(':')
		line.AppendString(strconv.Itoa(ent.Caller.Line))
	}
	if c.MessageKey != "" {
		c.addSeparatorIfNecessary(line)
		line.AppendString(ent.Message)
	}
	c.writeContext(line, fields)
	if ent.Stack != "" && c.StacktraceKey != "" {
		line.AppendByte('\n')
		line.AppendString(ent.Stack)
	}
	line.AppendString(c.LineEnding)
	return line, nil
}

func (c consoleEncoder) writeContext(line *Buffer, extra []Field) {
	context := c.jsonEncoder.Clone().(*jsonEncoder)
	defer func() {
		context.buf.Free()
		putJSONEncoder(context)
	}()
	addFields(context, extra)
	context.closeOpenNamespaces()
	if context.buf.Len() == 0 {
		return
	}
	c.addSeparatorIfNecessary(line)
	line.AppendByte('{')
	line.AppendBytes(context.buf.Bytes())
	line.AppendByte('}')
}

func (c consoleEncoder) addSeparatorIfNecessary(line *Buffer) {
	if line.Len() > 0 {
		line.AppendString(c.ConsoleSeparator)
	}
}
"""

ENTRY_GO = r"""package zapcore

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// EntryCaller represents the caller of a logging function.
type EntryCaller struct {
	Defined  bool
	PC       uintptr
	File     string
	Line     int
	Function string
}

// TrimmedPath returns a package/file:line description of the caller, preserving only the
// leaf directory name and file name.
func (ec EntryCaller) TrimmedPath() string {
	if !ec.Defined {
		return "undefined"
	}
	idx := strings.LastIndexByte(ec.File, '/')
	if idx == -1 {
		return ec.File + ":" + strconv.Itoa(ec.Line)
	}
	idx = strings.LastIndexByte(ec.File[:idx], '/')
	if idx == -1 {
		return ec.File + ":" + strconv.Itoa(ec.Line)
	}
	return ec.File[idx+1:] + ":" + strconv.Itoa(ec.Line)
}

// An Entry represents a complete log message.
type Entry struct {
	Level      Level
	Time       time.Time
	LoggerName string
	Message    string
	Caller     EntryCaller
	Stack      string
}

// CheckedEntry is an Entry together with the cores that have agreed to log it.
// CheckedEntry references should be created by calling AddCore on a nil *CheckedEntry.
type CheckedEntry struct {
	Entry
	dirty bool // best-effort detection of pool misuse
	cores []Core
}

var _cePool = sync.Pool{New: func() any {
	// Pre-allocate some space for cores.
	return &CheckedEntry{cores: make([]Core, 4)}
}}

func getCheckedEntry() *CheckedEntry {
	ce := _cePool.Get().(*CheckedEntry)
	ce.reset()
	return ce
}

func putCheckedEntry(ce *CheckedEntry) {
	if ce == nil {
		return
	}
	_cePool.Put(ce)
}

func (ce *CheckedEntry) reset() {
	ce.Entry = Entry{}
	ce.dirty = false
	for i := range ce.cores {
		ce.cores[i] = nil
	}
	ce.cores = ce.cores[:0]
}

// AddCore adds a Core that has agreed to log this CheckedEntry. It's intended to be used by
// Core.Check implementations, and is safe to call on nil CheckedEntry references.
func (ce *CheckedEntry) AddCore(ent Entry, core Core) *CheckedEntry {
	if ce == nil {
		ce = getCheckedEntry()
		ce.Entry = ent
	}
	ce.cores = append(ce.cores, core)
	return ce
}

// Write writes the entry to the stored Cores and returns the CheckedEntry to its pool.
// It's safe to call on a nil CheckedEntry.
func (ce *CheckedEntry) Write(fields ...Field) {
	if ce == nil || ce.dirty {
		return
	}
	ce.dirty = true
	for i := range ce.cores {
		_ = ce.cores[i].Write(ce.Entry, fields)
	}
	putCheckedEntry(ce)
}
"""

CORE_GO = r"""package zapcore

// Core is a minimal, fast logger interface.
type Core interface {
	LevelEnabler

	// With adds structured context to the Core.
	With([]Field) Core
	// Check determines whether the supplied Entry should be logged. If so, it adds itself to
	// the CheckedEntry and returns the result.
	Check(Entry, *CheckedEntry) *CheckedEntry
	// Write serializes the Entry and any Fields supplied at the log site and writes them to
	// their destination.
	Write(Entry, []Field) error
	// Sync flushes buffered logs (if any).
	Sync() error
}

type nopCore struct{}

// NewNopCore returns a no-op Core.
func NewNopCore() Core { return nopCore{} }

func (nopCore) Enabled(Level) bool { return false }

func (n nopCore) With([]Field) Core { return n }

func (nopCore) Check(_ Entry, ce *CheckedEntry) *CheckedEntry { return ce }

func (nopCore) Write(Entry, []Field) error { return nil }

func (nopCore) Sync() error { return nil }

// NewCore creates a Core that writes logs to a WriteSyncer.
func NewCore(enc Encoder, ws WriteSyncer, enab LevelEnabler) Core {
	return &ioCore{LevelEnabler: enab, enc: enc, out: ws}
}

type ioCore struct {
	LevelEnabler
	enc Encoder
	out WriteSyncer
}

func (c *ioCore) With(fields []Field) Core {
	clone := c.clone()
	addFields(clone.enc, fields)
	return clone
}

func (c *ioCore) Check(ent Entry, ce *CheckedEntry) *CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *ioCore) Write(ent Entry, fields []Field) error {
	buf, err := c.enc.EncodeEntry(ent, fields)
	if err != nil {
		return err
	}
	_, err = c.out.Write(buf.Bytes())
	buf.Free()
	if err != nil {
		return err
	}
	if ent.Level > ErrorLevel {
		// Since we may be crashing the program, sync the output.
		_ = c.Sync()
	}
	return nil
}

func (c *ioCore) Sync() error {
	return c.out.Sync()
}

func (c *ioCore) clone() *ioCore {
	return &ioCore{LevelEnabler: c.LevelEnabler, enc: c.enc.Clone(), out: c.out}
}

type multiCore []Core

// NewTee creates a Core that duplicates log entries into two or more underlying Cores.
func NewTee(cores ...Core) Core {
	switch len(cores) {
	case 0:
		return NewNopCore()
	case 1:
		return cores[0]
	default:
		return multiCore(cores)
	}
}

func (mc multiCore) With(fields []Field) Core {
	clone := make(multiCore, len(mc))
	for i := range mc {
		clone[i] = mc[i].With(fields)
	}
	return clone
}

func (mc multiCore) Enabled(lvl Level) bool {
	for i := range mc {
		if mc[i].Enabled(lvl) {
			return true
		}
	}
	return false
}

func (mc multiCore) Check(ent Entry, ce *CheckedEntry) *CheckedEntry {
	for i := range mc {
		ce = mc[i].Check(ent, ce)
	}
	return ce
}

func (mc multiCore) Write(ent Entry, fields []Field) error {
	var first error
	for i := range mc {
		if err := mc[i].Write(ent, fields); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (mc multiCore) Sync() error {
	var first error
	for i := range mc {
		if err := mc[i].Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
"""

SAMPLER_GO = r"""package zapcore

import (
	"sync/atomic"
	"time"
)

const (
	_numLevels        = _maxLevel - _minLevel + 1
	_countersPerLevel = 4096
)

type counter struct {
	resetAt atomic.Int64
	counter atomic.Uint64
}

type counters [_numLevels][_countersPerLevel]counter

func newCounters() *counters {
	return &counters{}
}

func (cs *counters) get(lvl Level, key string) *counter {
	i := lvl - _minLevel
	j := fnv32a(key) % _countersPerLevel
	return &cs[i][j]
}

// fnv32a, adapted from "hash/fnv", but without a []byte(string) conversion.
func fnv32a(s string) uint32 {
	const (
		offset32 = 2166136261
		prime32  = 16777619
	)
	hash := uint32(offset32)
	for i := 0; i < len(s); i++ {
		hash ^= uint32(s[i])
		hash *= prime32
	}
	return hash
}

func (c *counter) IncCheckReset(t time.Time, tick time.Duration) uint64 {
	tn := t.UnixNano()
	resetAfter := c.resetAt.Load()
	if resetAfter > tn {
		return c.counter.Add(1)
	}
	c.counter.Store(1)
	newResetAfter := tn + tick.Nanoseconds()
	if !c.resetAt.CompareAndSwap(resetAfter, newResetAfter) {
		// We raced with another goroutine trying to reset, and it also reset the counter to
		// 1, so we need to reincrement the counter.
		return c.counter.Add(1)
	}
	return 1
}

// SamplingDecision is a decision represented as a bit field made by the sampler.
type SamplingDecision uint32

const (
	// LogDropped indicates that the Sampler dropped a log entry.
	LogDropped SamplingDecision = 1 << iota
	// LogSampled indicates that the Sampler sampled a log entry.
	LogSampled
)

type sampler struct {
	Core

	counts            *counters
	tick              time.Duration
	first, thereafter uint64
	hook              func(Entry, SamplingDecision)
}

// NewSamplerWithOptions creates a Core that samples incoming entries: in each tick it logs
// the first entries with a given level and message, then every thereafter-th.
func NewSamplerWithOptions(core Core, tick time.Duration, first, thereafter int,
	hook func(Entry, SamplingDecision)) Core {
	return &sampler{
		Core:       core,
		tick:       tick,
		counts:     newCounters(),
		first:      uint64(first),
		thereafter: uint64(thereafter),
		hook:       hook,
	}
}

func (s *sampler) With(fields []Field) Core {
	return &sampler{
		Core:       s.Core.With(fields),
		tick:       s.tick,
		counts:     s.counts,
		first:      s.first,
		thereafter: s.thereafter,
		hook:       s.hook,
	}
}

func (s *sampler) Check(ent Entry, ce *CheckedEntry) *CheckedEntry {
	if !s.Enabled(ent.Level) {
		return ce
	}
	if ent.Level >= _minLevel && ent.Level <= _maxLevel {
		counter := s.counts.get(ent.Level, ent.Message)
		n := counter.IncCheckReset(ent.Time, s.tick)
		if n > s.first && (s.thereafter == 0 || (n-s.first)%s.thereafter != 0) {
			if s.hook != nil {
				s.hook(ent, LogDropped)
			}
			return ce
		}
		if s.hook != nil {
			s.hook(ent, LogSampled)
		}
	}
	return s.Core.Check(ent, ce)
}
"""

WRITE_SYNCER_GO = r"""package zapcore

import (
	"io"
	"sync"
)

// A WriteSyncer is an io.Writer that can also flush any buffered data.
type WriteSyncer interface {
	io.Writer
	Sync() error
}

// AddSync converts an io.Writer to a WriteSyncer; Sync is a no-op unless w has one.
func AddSync(w io.Writer) WriteSyncer {
	switch w := w.(type) {
	case WriteSyncer:
		return w
	default:
		return writerWrapper{w}
	}
}

type writerWrapper struct {
	io.Writer
}

func (w writerWrapper) Sync() error { return nil }

// Discard is a WriteSyncer that drops everything written to it.
var Discard WriteSyncer = AddSync(io.Discard)

type lockedWriteSyncer struct {
	sync.Mutex
	ws WriteSyncer
}

// Lock wraps a WriteSyncer in a mutex to make it safe for concurrent use.
func Lock(ws WriteSyncer) WriteSyncer {
	if _, ok := ws.(*lockedWriteSyncer); ok {
		return ws
	}
	return &lockedWriteSyncer{ws: ws}
}

func (s *lockedWriteSyncer) Write(bs []byte) (int, error) {
	s.Lock()
	n, err := s.ws.Write(bs)
	s.Unlock()
	return n, err
}

func (s *lockedWriteSyncer) Sync() error {
	s.Lock()
	err := s.ws.Sync()
	s.Unlock()
	return err
}

type multiWriteSyncer []WriteSyncer

// NewMultiWriteSyncer creates a WriteSyncer that duplicates its writes and sync calls, much
// like io.MultiWriter.
func NewMultiWriteSyncer(ws ...WriteSyncer) WriteSyncer {
	if len(ws) == 1 {
		return ws[0]
	}
	return multiWriteSyncer(ws)
}

func (ws multiWriteSyncer) Write(p []byte) (int, error) {
	var first error
	nWritten := 0
	for _, w := range ws {
		n, err := w.Write(p)
		if err != nil && first == nil {
			first = err
		}
		if nWritten == 0 && n != 0 {
			nWritten = n
		} else if n < nWritten {
			nWritten = n
		}
	}
	return nWritten, first
}

func (ws multiWriteSyncer) Sync() error {
	var first error
	for _, w := range ws {
		if err := w.Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// BufferedWriteSyncer buffers writes in memory and writes them to WS when Size bytes have
// accumulated, or on Sync.
type BufferedWriteSyncer struct {
	WS   WriteSyncer
	Size int

	mu  sync.Mutex
	buf []byte
}

func (s *BufferedWriteSyncer) Write(bs []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		s.buf = make([]byte, 0, s.Size)
	}
	if len(s.buf)+len(bs) > s.Size {
		if err := s.flush(); err != nil {
			return 0, err
		}
	}
	if len(bs) > s.Size {
		return s.WS.Write(bs)
	}
	s.buf = append(s.buf, bs...)
	return len(bs), nil
}

// Sync flushes the buffer and syncs WS.
func (s *BufferedWriteSyncer) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flush(); err != nil {
		return err
	}
	return s.WS.Sync()
}

func (s *BufferedWriteSyncer) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.WS.Write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// RingWriter keeps the last Size bytes written to it: a ring buffer of recent log lines, to
// dump after a crash.
type RingWriter struct {
	mu   sync.Mutex
	buf  []byte
	pos  int
	full bool
}

// NewRingWriter returns a RingWriter that keeps the last size bytes.
func NewRingWriter(size int) *RingWriter {
	return &RingWriter{buf: make([]byte, size)}
}

func (r *RingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	size := len(r.buf)
	if n >= size {
		copy(r.buf, p[n-size:])
		r.pos = 0
		r.full = true
		return n, nil
	}
	c := copy(r.buf[r.pos:], p)
	if c < n {
		copy(r.buf, p[c:])
	}
	if r.pos+n >= size {
		r.full = true
	}
	r.pos = (r.pos + n) % size
	return n, nil
}

// Sync is a no-op: the ring lives in memory.
func (r *RingWriter) Sync() error { return nil }

// Snapshot returns a copy of what the ring holds, oldest byte first.
func (r *RingWriter) Snapshot() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]byte(nil), r.buf[:r.pos]...)
	}
	out := make([]byte, 0, len(r.buf))
	out = append(out, r.buf[r.pos:]...)
	return append(out, r.buf[:r.pos]...)
}
"""

CORE_DOC_GO = r"""// Package zapcore defines and implements the low-level interfaces upon which the
// logger is built: levels, fields, encoders, cores and write syncers. It is the core
// package of a repository shaped like go.uber.org/zap, written for benchguard's tests.
package zapcore
"""

CORE_TEST_GO = r"""package zapcore

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJSONEncodeEntry(t *testing.T) {
	enc := NewJSONEncoder(EncoderConfig{MessageKey: "msg", LevelKey: "level", TimeKey: "ts",
		TimeLayout: time.RFC3339})
	ent := Entry{Level: WarnLevel, Time: time.Unix(0, 0).UTC(), Message: "hi \"there\"\n"}
	fields := []Field{
		{Key: "n", Type: Int64Type, Integer: 42},
		{Key: "s", Type: StringType, String: "tab\there ☃ \xff"},
		{Key: "ok", Type: BoolType, Integer: 1},
		{Key: "err", Type: ErrorType, Interface: errors.New("boom")},
		{Key: "d", Type: DurationType, Integer: int64(1500 * time.Millisecond)},
	}
	buf, err := enc.EncodeEntry(ent, fields)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"level":"warn","ts":"1970-01-01T00:00:00Z","msg":"hi \"there\"\n",` +
		`"n":42,"s":"tab\there ☃ \ufffd","ok":true,"err":"boom","d":"1.5s"}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("EncodeEntry:\n got %s\nwant %s", got, want)
	}
}

func TestConsoleEncodeEntry(t *testing.T) {
	enc := NewConsoleEncoder(EncoderConfig{MessageKey: "msg", LevelKey: "level"})
	buf, err := enc.EncodeEntry(Entry{Level: InfoLevel, Message: "started"},
		[]Field{{Key: "port", Type: Int64Type, Integer: 8080}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "INFO\tstarted\t{\"port\": 8080}\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseLevel(t *testing.T) {
	cases := map[string]Level{"debug": DebugLevel, "WARN": WarnLevel, "": InfoLevel}
	for text, want := range cases {
		if got, err := ParseLevel(text); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	if _, err := ParseLevel("bogus"); err == nil {
		t.Error("ParseLevel(bogus) did not fail")
	}
}

func TestRingWriter(t *testing.T) {
	r := NewRingWriter(8)
	for _, s := range []string{"abc", "defg", "hij"} {
		if _, err := r.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(r.Snapshot()); got != "cdefghij" {
		t.Errorf("Snapshot = %q", got)
	}
	r.Write([]byte(strings.Repeat("x", 20) + "12345678"))
	if got := string(r.Snapshot()); got != "12345678" {
		t.Errorf("Snapshot after a long write = %q", got)
	}
}

func TestSamplerDropsRepeats(t *testing.T) {
	var sampled, dropped int
	core := NewSamplerWithOptions(NewCore(NewJSONEncoder(EncoderConfig{}), Discard, DebugLevel),
		time.Minute, 2, 10, func(_ Entry, d SamplingDecision) {
			if d == LogSampled {
				sampled++
			} else {
				dropped++
			}
		})
	now := time.Unix(1700000000, 0)
	for i := 0; i < 22; i++ {
		core.Check(Entry{Level: InfoLevel, Time: now, Message: "same"}, nil).Write()
	}
	if sampled != 4 || dropped != 18 {
		t.Errorf("sampled %d, dropped %d; want 4, 18", sampled, dropped)
	}
}
"""

CORE_BENCH_SHARED_GO = r"""package zapcore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	benchTime = time.Unix(1700000000, 123456789).UTC()
	errBench  = errors.New("fake error: connection reset by peer")

	sinkBool   bool
	sinkLevel  Level
	sinkString string
)

func benchEncoderConfig() EncoderConfig {
	cfg := NewProductionEncoderConfig()
	cfg.TimeLayout = time.RFC3339Nano
	return cfg
}

type user struct {
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func (u user) MarshalLogObject(enc ObjectEncoder) error {
	enc.AddString("name", u.Name)
	enc.AddString("email", u.Email)
	enc.AddTime("created_at", u.CreatedAt)
	return nil
}

type users []user

func (us users) MarshalLogArray(enc ArrayEncoder) error {
	for i := range us {
		if err := enc.AppendObject(us[i]); err != nil {
			return err
		}
	}
	return nil
}

type ints []int64

func (is ints) MarshalLogArray(enc ArrayEncoder) error {
	for _, i := range is {
		enc.AppendInt64(i)
	}
	return nil
}

type stringsArray []string

func (ss stringsArray) MarshalLogArray(enc ArrayEncoder) error {
	for _, s := range ss {
		enc.AppendString(s)
	}
	return nil
}

type requestID int

func (r requestID) String() string { return "req-" + strconv.Itoa(int(r)) }

var benchUser = user{Name: "Jane Doe", Email: "jane@example.com", CreatedAt: benchTime}

// benchField returns the i-th of a cycle of fields of every kind an encoder handles.
func benchField(i int) Field {
	key := "field_" + strconv.Itoa(i)
	switch i % 10 {
	case 0:
		return Field{Key: key, Type: StringType, String: "a plain value"}
	case 1:
		return Field{Key: key, Type: Int64Type, Integer: int64(i) * 1000003}
	case 2:
		return Field{Key: key, Type: Float64Type, Integer: int64(0x400921fb54442d18)}
	case 3:
		return Field{Key: key, Type: BoolType, Integer: int64(i % 2)}
	case 4:
		return Field{Key: key, Type: StringType, String: "needs \"escaping\"\n\tand ünïcode"}
	case 5:
		d := time.Duration(i) * time.Millisecond
		return Field{Key: key, Type: DurationType, Integer: int64(d)}
	case 6:
		return Field{Key: key, Type: TimeType, Integer: benchTime.UnixNano(), Interface: time.UTC}
	case 7:
		return Field{Key: key, Type: ErrorType, Interface: errBench}
	case 8:
		return Field{Key: key, Type: StringerType, Interface: requestID(i)}
	default:
		return Field{Key: key, Type: ObjectMarshalerType, Interface: benchUser}
	}
}

func benchFields(n int) []Field {
	fields := make([]Field, n)
	for i := range fields {
		fields[i] = benchField(i)
	}
	return fields
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%d %s", i, strings.Repeat("k", i%13))
	}
	return keys
}
"""

JSON_BENCH_GO = r"""package zapcore

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func BenchmarkZapJSON(b *testing.B) {
	// A large entry, like zap's: many fields of every kind, nested objects and arrays.
	enc := NewJSONEncoder(benchEncoderConfig())
	fields := benchFields(150)
	team := make(users, 8)
	for i := range team {
		n := strconv.Itoa(i)
		team[i] = user{Name: "user " + n, Email: "u" + n + "@example.com", CreatedAt: benchTime}
	}
	fields = append(fields, Field{Key: "team", Type: ArrayMarshalerType, Interface: team})
	ent := Entry{Level: InfoLevel, Time: benchTime, LoggerName: "bench", Message: "fake message"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, err := enc.EncodeEntry(ent, fields)
		if err != nil {
			b.Fatal(err)
		}
		buf.Free()
	}
}

func BenchmarkJSONEncodeEntry(b *testing.B) {
	enc := NewJSONEncoder(benchEncoderConfig())
	fields := benchFields(5)
	ent := Entry{Level: InfoLevel, Time: benchTime, Message: "request served"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, _ := enc.EncodeEntry(ent, fields)
		buf.Free()
	}
}

func BenchmarkStandardJSON(b *testing.B) {
	// The same kind of record through encoding/json, for comparison.
	record := struct {
		Level   string            `json:"level"`
		Time    time.Time         `json:"ts"`
		Message string            `json:"msg"`
		Fields  map[string]any    `json:"fields"`
		User    user              `json:"user"`
		Tags    map[string]string `json:"tags"`
	}{
		Level:   "info",
		Time:    benchTime,
		Message: "fake message",
		Fields: map[string]any{
			"count": 42, "ratio": 0.5, "ok": true, "name": "needs \"escaping\"",
		},
		User: benchUser,
		Tags: map[string]string{"region": "eu-west-1", "zone": "b", "pod": "api-7d9f"},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := json.Marshal(record); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEscape(b *testing.B) {
	cases := []struct {
		name string
		s    string
	}{
		{"ascii_short", "hello world"},
		{"ascii_long", strings.Repeat("abcdefgh", 32)},
		{"quotes", `he said "hi" \ and left`},
		{"control", "line1\nline2\ttab\r\x01\x02 end"},
		{"unicode", "héllo wörld ☃ 日本語のテキスト"},
		{"invalid_utf8", "\xff\xfe ok \xc3( bad \xe2\x28\xa1"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			enc := newJSONEncoder(benchEncoderConfig(), false)
			for i := 0; i < b.N; i++ {
				enc.buf.Reset()
				enc.safeAddString(tc.s)
			}
		})
	}
}

var opaqueBytes = []byte("32 opaque bytes: 0123456789abcde")

func BenchmarkJSONAppend(b *testing.B) {
	cases := []struct {
		name   string
		append func(enc *jsonEncoder)
	}{
		{"int", func(enc *jsonEncoder) { enc.AddInt64("k", 1234567890) }},
		{"float", func(enc *jsonEncoder) { enc.AddFloat64("k", 3.14159265358979) }},
		{"bool", func(enc *jsonEncoder) { enc.AddBool("k", true) }},
		{"duration", func(enc *jsonEncoder) { enc.AddDuration("k", 1500*time.Millisecond) }},
		{"time", func(enc *jsonEncoder) { enc.AddTime("k", benchTime) }},
		{"binary", func(enc *jsonEncoder) { enc.AddBinary("k", opaqueBytes) }},
		{"string", func(enc *jsonEncoder) { enc.AddString("key", "a reasonably ordinary value") }},
		{"reflected", func(enc *jsonEncoder) { _ = enc.AddReflected("k", benchUser) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			enc := newJSONEncoder(benchEncoderConfig(), false)
			for i := 0; i < b.N; i++ {
				enc.buf.Reset()
				tc.append(enc)
			}
		})
	}
}

func BenchmarkJSONEncodeFields(b *testing.B) {
	ent := Entry{Level: InfoLevel, Time: benchTime, Message: "fake message"}
	for _, n := range []int{1, 10, 100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			enc := NewJSONEncoder(benchEncoderConfig())
			fields := benchFields(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf, _ := enc.EncodeEntry(ent, fields)
				buf.Free()
			}
		})
	}
	b.Run("with_context", func(b *testing.B) {
		enc := NewJSONEncoder(benchEncoderConfig())
		addFields(enc, benchFields(10))
		fields := benchFields(3)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			buf, _ := enc.EncodeEntry(ent, fields)
			buf.Free()
		}
	})
}

func BenchmarkJSONArray(b *testing.B) {
	numbers := make(ints, 16)
	words := make(stringsArray, 16)
	for i := range numbers {
		numbers[i] = int64(i * i * 7919)
		words[i] = "word-" + strconv.Itoa(i)
	}
	cases := []struct {
		name string
		arr  ArrayMarshaler
	}{
		{"ints_16", numbers},
		{"strings_16", words},
		{"objects_4", users{benchUser, benchUser, benchUser, benchUser}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			enc := newJSONEncoder(benchEncoderConfig(), false)
			for i := 0; i < b.N; i++ {
				enc.buf.Reset()
				_ = enc.AddArray("items", tc.arr)
			}
		})
	}
}

func BenchmarkConsoleEncodeEntry(b *testing.B) {
	caller := EntryCaller{Defined: true, File: "/src/example.com/app/server/handler.go", Line: 42}
	cases := []struct {
		name   string
		ent    Entry
		fields []Field
	}{
		{"no_fields", Entry{Level: InfoLevel, Time: benchTime, Message: "started"}, nil},
		{"five_fields", Entry{Level: WarnLevel, Time: benchTime, Message: "slow"}, benchFields(5)},
		{"with_caller",
			Entry{Level: ErrorLevel, Time: benchTime, Message: "failed", Caller: caller},
			benchFields(2)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			enc := NewConsoleEncoder(benchEncoderConfig())
			for i := 0; i < b.N; i++ {
				buf, _ := enc.EncodeEntry(tc.ent, tc.fields)
				buf.Free()
			}
		})
	}
}
"""

CORE_MISC_BENCH_GO = r"""package zapcore

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"
)

// benchEnabler is a variable so that the compiler cannot inline the call away.
var benchEnabler LevelEnabler = LevelEnablerFunc(func(lvl Level) bool { return lvl >= InfoLevel })

func BenchmarkLevelEnabled(b *testing.B) {
	enabler := benchEnabler
	for _, lvl := range []Level{DebugLevel, InfoLevel, WarnLevel, ErrorLevel} {
		b.Run(lvl.String(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkBool = enabler.Enabled(lvl)
			}
		})
	}
}

func BenchmarkParseLevel(b *testing.B) {
	for _, text := range []string{"info", "WARN", "bogus"} {
		b.Run(text, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkLevel, _ = ParseLevel(text)
			}
		})
	}
}

func BenchmarkBuffer(b *testing.B) {
	cases := []struct {
		name   string
		append func(buf *Buffer, i int)
	}{
		{"AppendByte", func(buf *Buffer, i int) { buf.AppendByte(byte(i)) }},
		{"AppendString", func(buf *Buffer, i int) { buf.AppendString("a short string") }},
		{"AppendInt", func(buf *Buffer, i int) { buf.AppendInt(int64(i) * 7919) }},
		{"AppendFloat", func(buf *Buffer, i int) { buf.AppendFloat(float64(i)*1.0001, 64) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			buf := GetBuffer()
			defer buf.Free()
			for i := 0; i < b.N; i++ {
				if buf.Len() > 4096 {
					buf.Reset()
				}
				tc.append(buf, i)
			}
		})
	}
}

func benchmarkSampler(b *testing.B, hook func(Entry, SamplingDecision)) {
	for _, n := range []int{7, 50, 100} {
		keys := benchKeys(n)
		b.Run(itoa(n)+"_keys", func(b *testing.B) {
			inner := NewCore(NewJSONEncoder(benchEncoderConfig()), Discard, DebugLevel)
			core := NewSamplerWithOptions(inner, time.Minute, 1, 1000, hook)
			now := time.Unix(1700000000, 0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ent := Entry{Level: DebugLevel + Level(i%4), Time: now, Message: keys[i%n]}
				if ce := core.Check(ent, nil); ce != nil {
					ce.Write()
				}
			}
		})
	}
}

func itoa(n int) string {
	var buf [8]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

func BenchmarkSampler_Check(b *testing.B) {
	benchmarkSampler(b, nil)
}

func BenchmarkSampler_CheckWithHook(b *testing.B) {
	var dropped, sampled atomic.Int64
	benchmarkSampler(b, func(_ Entry, d SamplingDecision) {
		if d == LogDropped {
			dropped.Add(1)
		} else {
			sampled.Add(1)
		}
	})
}

func BenchmarkMultiWriteSyncer(b *testing.B) {
	line := []byte("a log line of some length\n")
	for _, n := range []int{2, 4} {
		b.Run(itoa(n)+"_discarder", func(b *testing.B) {
			syncers := make([]WriteSyncer, n)
			for i := range syncers {
				syncers[i] = Discard
			}
			w := NewMultiWriteSyncer(syncers...)
			for i := 0; i < b.N; i++ {
				_, _ = w.Write(line)
			}
		})
	}
}

func BenchmarkBufferedWriteSyncer(b *testing.B) {
	w := &BufferedWriteSyncer{WS: Discard, Size: 256 << 10}
	line := []byte("a log line of some length, buffered before it is written\n")
	for i := 0; i < b.N; i++ {
		_, _ = w.Write(line)
	}
	_ = w.Sync()
}

func BenchmarkRingWriter(b *testing.B) {
	for _, tc := range []struct {
		name string
		size int
	}{{"small_lines", 64}, {"large_lines", 4096}} {
		b.Run(tc.name, func(b *testing.B) {
			ring := NewRingWriter(64 << 10)
			line := bytes.Repeat([]byte("x"), tc.size)
			line[len(line)-1] = '\n'
			for b.Loop() {
				_, _ = ring.Write(line)
			}
		})
	}
}

func BenchmarkTeeCheck(b *testing.B) {
	cores := make([]Core, 4)
	for i := range cores {
		cores[i] = NewCore(NewJSONEncoder(benchEncoderConfig()), Discard, Level(i))
	}
	tee := NewTee(cores...)
	levels := []Level{DebugLevel, InfoLevel, WarnLevel, ErrorLevel}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ent := Entry{Level: levels[i%4], Time: benchTime, Message: "tee"}
		if ce := tee.Check(ent, nil); ce != nil {
			ce.Write()
		}
	}
}

func BenchmarkIOCoreWrite(b *testing.B) {
	core := NewCore(NewJSONEncoder(benchEncoderConfig()), Discard, InfoLevel).With(benchFields(3))
	fields := benchFields(4)
	ent := Entry{Level: InfoLevel, Time: benchTime, LoggerName: "io", Message: "written"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = core.Write(ent, fields)
	}
}
"""

# ---------------------------------------------------------------------------------------------
# internal/stacktrace: no zapcore, imported by the root.

STACKTRACE_GO = r"""// Package stacktrace formats the calling goroutine's stack for log entries.
package stacktrace

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
)

var _pcsPool = sync.Pool{New: func() any {
	pcs := make([]uintptr, 64)
	return &pcs
}}

// Take returns the calling goroutine's stack, one function and file:line pair per frame,
// skipping the innermost skip frames (besides Take itself).
func Take(skip int) string {
	pcs := _pcsPool.Get().(*[]uintptr)
	defer _pcsPool.Put(pcs)
	n := runtime.Callers(skip+2, *pcs)
	frames := runtime.CallersFrames((*pcs)[:n])
	var sb strings.Builder
	for i := 0; ; i++ {
		frame, more := frames.Next()
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(frame.Function)
		sb.WriteString("\n\t")
		sb.WriteString(frame.File)
		sb.WriteByte(':')
		sb.WriteString(strconv.Itoa(frame.Line))
		if !more {
			return sb.String()
		}
	}
}
"""

STACKTRACE_BENCH_GO = r"""package stacktrace

import "testing"

var sinkStack string

func deep(n int) string {
	if n == 0 {
		return Take(0)
	}
	return deep(n - 1)
}

func BenchmarkTake(b *testing.B) {
	b.Run("shallow", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkStack = Take(0)
		}
	})
	b.Run("deep_16", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkStack = deep(16)
		}
	})
}
"""

# ---------------------------------------------------------------------------------------------
# The root package, zaplike: imports zapcore (like zap).

ROOT_DOC_GO = r"""// Package zaplike provides fast, structured, leveled logging, in the shape of
// go.uber.org/zap: a Logger of typed fields, a SugaredLogger of loosely typed key-value pairs,
// both on top of zapcore.
package zaplike
"""

ROOT_FIELD_GO = r"""package zaplike

import (
	"fmt"
	"math"
	"time"

	"example.com/zaplike/zapcore"
)

// Field is an alias for zapcore.Field.
type Field = zapcore.Field

// Level is an alias for zapcore.Level.
type Level = zapcore.Level

// Levels, re-exported for callers that do not import zapcore.
const (
	DebugLevel = zapcore.DebugLevel
	InfoLevel  = zapcore.InfoLevel
	WarnLevel  = zapcore.WarnLevel
	ErrorLevel = zapcore.ErrorLevel
)

// Skip constructs a no-op field.
func Skip() Field { return Field{Type: zapcore.SkipType} }

// Binary constructs a field that carries an opaque binary blob.
func Binary(key string, val []byte) Field {
	return Field{Key: key, Type: zapcore.BinaryType, Interface: val}
}

// Bool constructs a field that carries a bool.
func Bool(key string, val bool) Field {
	var ival int64
	if val {
		ival = 1
	}
	return Field{Key: key, Type: zapcore.BoolType, Integer: ival}
}

// Float64 constructs a field that carries a float64.
func Float64(key string, val float64) Field {
	return Field{Key: key, Type: zapcore.Float64Type, Integer: int64(math.Float64bits(val))}
}

// Int constructs a field with the given key and value.
func Int(key string, val int) Field { return Int64(key, int64(val)) }

// Int64 constructs a field with the given key and value.
func Int64(key string, val int64) Field {
	return Field{Key: key, Type: zapcore.Int64Type, Integer: val}
}

// Uint64 constructs a field with the given key and value.
func Uint64(key string, val uint64) Field {
	return Field{Key: key, Type: zapcore.Uint64Type, Integer: int64(val)}
}

// String constructs a field with the given key and value.
func String(key string, val string) Field {
	return Field{Key: key, Type: zapcore.StringType, String: val}
}

// Stringer constructs a field with the given key and the output of the value's String method.
func Stringer(key string, val fmt.Stringer) Field {
	return Field{Key: key, Type: zapcore.StringerType, Interface: val}
}

// Time constructs a field with the given key and value.
func Time(key string, val time.Time) Field {
	return Field{Key: key, Type: zapcore.TimeType, Integer: val.UnixNano(),
		Interface: val.Location()}
}

// Duration constructs a field with the given key and value.
func Duration(key string, val time.Duration) Field {
	return Field{Key: key, Type: zapcore.DurationType, Integer: int64(val)}
}

// NamedError constructs a field that lazily stores err.Error() under the provided key.
func NamedError(key string, err error) Field {
	if err == nil {
		return Skip()
	}
	return Field{Key: key, Type: zapcore.ErrorType, Interface: err}
}

// Error is shorthand for NamedError("error", err).
func Error(err error) Field { return NamedError("error", err) }

// Object constructs a field with the given key and ObjectMarshaler.
func Object(key string, val zapcore.ObjectMarshaler) Field {
	return Field{Key: key, Type: zapcore.ObjectMarshalerType, Interface: val}
}

// Array constructs a field with the given key and ArrayMarshaler.
func Array(key string, val zapcore.ArrayMarshaler) Field {
	return Field{Key: key, Type: zapcore.ArrayMarshalerType, Interface: val}
}

// Reflect constructs a field that is encoded with reflection.
func Reflect(key string, val any) Field {
	return Field{Key: key, Type: zapcore.ReflectType, Interface: val}
}

// Any takes a key and an arbitrary value and chooses the best way to represent them as a
// field, falling back to a reflection-based approach only if necessary.
func Any(key string, value any) Field {
	switch val := value.(type) {
	case zapcore.ObjectMarshaler:
		return Object(key, val)
	case zapcore.ArrayMarshaler:
		return Array(key, val)
	case bool:
		return Bool(key, val)
	case float64:
		return Float64(key, val)
	case int:
		return Int(key, val)
	case int64:
		return Int64(key, val)
	case uint64:
		return Uint64(key, val)
	case string:
		return String(key, val)
	case []byte:
		return Binary(key, val)
	case time.Time:
		return Time(key, val)
	case time.Duration:
		return Duration(key, val)
	case error:
		return NamedError(key, val)
	case fmt.Stringer:
		return Stringer(key, val)
	default:
		return Reflect(key, val)
	}
}
"""

ROOT_LOGGER_GO = r"""package zaplike

import (
	"io"
	"runtime"
	"sync"
	"time"

	"example.com/zaplike/internal/stacktrace"
	"example.com/zaplike/zapcore"
)

// A Logger provides fast, leveled, structured logging. All methods are safe for concurrent
// use.
type Logger struct {
	core       zapcore.Core
	name       string
	addCaller  bool
	callerSkip int
	addStack   zapcore.LevelEnabler
	clock      func() time.Time
}

// An Option configures a Logger.
type Option func(*Logger)

// AddCaller annotates each message with the filename and line number of its caller.
func AddCaller() Option { return func(log *Logger) { log.addCaller = true } }

// AddStacktrace records a stack trace for all messages at or above a given level.
func AddStacktrace(lvl zapcore.LevelEnabler) Option {
	return func(log *Logger) { log.addStack = lvl }
}

// WithClock makes the Logger read the time from clock instead of time.Now.
func WithClock(clock func() time.Time) Option { return func(log *Logger) { log.clock = clock } }

// New constructs a Logger from a zapcore.Core and Options.
func New(core zapcore.Core, options ...Option) *Logger {
	if core == nil {
		return NewNop()
	}
	log := &Logger{core: core, clock: time.Now}
	for _, option := range options {
		option(log)
	}
	return log
}

// NewNop returns a no-op Logger.
func NewNop() *Logger {
	return &Logger{core: zapcore.NewNopCore(), clock: time.Now}
}

// NewJSON returns a Logger that writes JSON lines at or above level to w.
func NewJSON(w io.Writer, level zapcore.Level, options ...Option) *Logger {
	enc := zapcore.NewJSONEncoder(zapcore.NewProductionEncoderConfig())
	return New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), level), options...)
}

func (log *Logger) clone() *Logger {
	clone := *log
	return &clone
}

// Core returns the Logger's underlying zapcore.Core.
func (log *Logger) Core() zapcore.Core { return log.core }

// Named adds a sub-scope to the logger's name.
func (log *Logger) Named(s string) *Logger {
	if s == "" {
		return log
	}
	l := log.clone()
	if log.name == "" {
		l.name = s
	} else {
		l.name = log.name + "." + s
	}
	return l
}

// With creates a child logger and adds structured context to it.
func (log *Logger) With(fields ...Field) *Logger {
	if len(fields) == 0 {
		return log
	}
	l := log.clone()
	l.core = l.core.With(fields)
	return l
}

// WithLazy is like With, but the context is encoded only when the child logger first writes.
func (log *Logger) WithLazy(fields ...Field) *Logger {
	if len(fields) == 0 {
		return log
	}
	l := log.clone()
	l.core = &lazyWithCore{core: l.core, fields: fields}
	return l
}

// Check returns a CheckedEntry if logging a message at the specified level is enabled.
func (log *Logger) Check(lvl zapcore.Level, msg string) *zapcore.CheckedEntry {
	return log.check(lvl, msg)
}

// Debug logs a message at DebugLevel.
func (log *Logger) Debug(msg string, fields ...Field) {
	if ce := log.check(zapcore.DebugLevel, msg); ce != nil {
		ce.Write(fields...)
	}
}

// Info logs a message at InfoLevel.
func (log *Logger) Info(msg string, fields ...Field) {
	if ce := log.check(zapcore.InfoLevel, msg); ce != nil {
		ce.Write(fields...)
	}
}

// Warn logs a message at WarnLevel.
func (log *Logger) Warn(msg string, fields ...Field) {
	if ce := log.check(zapcore.WarnLevel, msg); ce != nil {
		ce.Write(fields...)
	}
}

// Error logs a message at ErrorLevel.
func (log *Logger) Error(msg string, fields ...Field) {
	if ce := log.check(zapcore.ErrorLevel, msg); ce != nil {
		ce.Write(fields...)
	}
}

// Sync calls the underlying Core's Sync method, flushing any buffered log entries.
func (log *Logger) Sync() error { return log.core.Sync() }

// Sugar wraps the Logger to provide a more ergonomic, but slightly slower, API.
func (log *Logger) Sugar() *SugaredLogger {
	core := log.clone()
	core.callerSkip++ // Infow and log stand between the user's call and check
	return &SugaredLogger{base: core}
}

// callerSkipOffset is how many frames lie between the user's call and check's.
const callerSkipOffset = 3

func (log *Logger) check(lvl zapcore.Level, msg string) *zapcore.CheckedEntry {
	// Level filtering first: a disabled level costs a comparison, not an entry.
	if !log.core.Enabled(lvl) {
		return nil
	}
	ent := zapcore.Entry{LoggerName: log.name, Time: log.clock(), Level: lvl, Message: msg}
	ce := log.core.Check(ent, nil)
	if ce == nil {
		return nil
	}
	if log.addCaller {
		var pcs [1]uintptr
		if runtime.Callers(log.callerSkip+callerSkipOffset, pcs[:]) > 0 {
			frame, _ := runtime.CallersFrames(pcs[:]).Next()
			ce.Caller = zapcore.EntryCaller{Defined: frame.PC != 0, PC: frame.PC, File: frame.File,
				Line: frame.Line, Function: frame.Function}
		}
	}
	if log.addStack != nil && log.addStack.Enabled(lvl) {
		ce.Stack = stacktrace.Take(log.callerSkip + callerSkipOffset - 1)
	}
	return ce
}

// lazyWithCore applies With on the wrapped core the first time it is needed.
type lazyWithCore struct {
	core   zapcore.Core
	fields []Field
	once   sync.Once
	with   zapcore.Core
}

func (c *lazyWithCore) initOnce() zapcore.Core {
	c.once.Do(func() { c.with = c.core.With(c.fields) })
	return c.with
}

func (c *lazyWithCore) Enabled(lvl zapcore.Level) bool { return c.core.Enabled(lvl) }

func (c *lazyWithCore) With(fields []Field) zapcore.Core { return c.initOnce().With(fields) }

func (c *lazyWithCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !c.core.Enabled(ent.Level) {
		return ce
	}
	return c.initOnce().Check(ent, ce)
}

func (c *lazyWithCore) Write(ent zapcore.Entry, fields []Field) error {
	return c.initOnce().Write(ent, fields)
}

func (c *lazyWithCore) Sync() error { return c.core.Sync() }
"""

ROOT_SUGAR_GO = r"""package zaplike

import (
	"fmt"

	"example.com/zaplike/zapcore"
)

// A SugaredLogger wraps the base Logger functionality in a slower, but less verbose, API.
type SugaredLogger struct {
	base *Logger
}

// Desugar unwraps a SugaredLogger, exposing the original Logger.
func (s *SugaredLogger) Desugar() *Logger {
	base := s.base.clone()
	base.callerSkip--
	return base
}

// With adds a variadic number of key-value pairs to the logging context.
func (s *SugaredLogger) With(keysAndValues ...any) *SugaredLogger {
	return &SugaredLogger{base: s.base.With(s.sweetenFields(keysAndValues)...)}
}

// Info logs the message made of args with fmt.Sprint.
func (s *SugaredLogger) Info(args ...any) { s.log(zapcore.InfoLevel, "", args, nil) }

// Infof formats the message with fmt.Sprintf.
func (s *SugaredLogger) Infof(template string, args ...any) {
	s.log(zapcore.InfoLevel, template, args, nil)
}

// Infow logs a message with some additional context, as loosely typed key-value pairs.
func (s *SugaredLogger) Infow(msg string, keysAndValues ...any) {
	s.log(zapcore.InfoLevel, msg, nil, keysAndValues)
}

// Errorw logs a message at ErrorLevel with key-value pairs.
func (s *SugaredLogger) Errorw(msg string, keysAndValues ...any) {
	s.log(zapcore.ErrorLevel, msg, nil, keysAndValues)
}

func (s *SugaredLogger) log(lvl zapcore.Level, template string, fmtArgs []any, context []any) {
	if !s.base.core.Enabled(lvl) {
		return
	}
	msg := getMessage(template, fmtArgs)
	if ce := s.base.check(lvl, msg); ce != nil {
		ce.Write(s.sweetenFields(context)...)
	}
}

func getMessage(template string, fmtArgs []any) string {
	if len(fmtArgs) == 0 {
		return template
	}
	if template != "" {
		return fmt.Sprintf(template, fmtArgs...)
	}
	if len(fmtArgs) == 1 {
		if str, ok := fmtArgs[0].(string); ok {
			return str
		}
	}
	return fmt.Sprint(fmtArgs...)
}

func (s *SugaredLogger) sweetenFields(args []any) []Field {
	if len(args) == 0 {
		return nil
	}
	fields := make([]Field, 0, len(args)/2+1)
	for i := 0; i < len(args); {
		if f, ok := args[i].(Field); ok {
			fields = append(fields, f)
			i++
			continue
		}
		if i == len(args)-1 {
			fields = append(fields, Any("ignored", args[i]))
			break
		}
		key, ok := args[i].(string)
		if !ok {
			key = fmt.Sprint(args[i])
		}
		fields = append(fields, Any(key, args[i+1]))
		i += 2
	}
	return fields
}
"""

ROOT_TEST_GO = r"""package zaplike

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoggerWritesJSON(t *testing.T) {
	var out bytes.Buffer
	clock := func() time.Time { return time.Unix(1, 0) }
	log := NewJSON(&out, InfoLevel, WithClock(clock)).Named("app").With(String("svc", "api"))
	log.Debug("hidden")
	log.Info("served", Int("status", 200), Error(errors.New("none")))
	want := `{"level":"info","ts":1,"logger":"app","msg":"served",` +
		`"svc":"api","status":200,"error":"none"}` + "\n"
	if out.String() != want {
		t.Errorf("got %s\nwant %s", out.String(), want)
	}
}

func TestSugarAndCaller(t *testing.T) {
	var out bytes.Buffer
	log := NewJSON(&out, DebugLevel, AddCaller()).Sugar()
	log.Infow("hello", "user", "jane", "n", 3)
	if !strings.Contains(out.String(), `"user":"jane","n":3`) ||
		!strings.Contains(out.String(), "logger_test.go:") {
		t.Errorf("got %s", out.String())
	}
}
"""

ROOT_BENCH_GO = r"""package zaplike

import (
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"example.com/zaplike/zapcore"
)

var (
	benchClock = func() time.Time { return time.Unix(1700000000, 0) }
	errExample = errors.New("fail")
)

type jane struct{}

func (jane) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("name", "Jane Doe")
	enc.AddString("email", "jane@example.com")
	enc.AddInt64("age", 42)
	return nil
}

type requestID int

func (r requestID) String() string { return "req-" + strconv.Itoa(int(r)) }

func newBenchLogger(lvl zapcore.Level, options ...Option) *Logger {
	return NewJSON(io.Discard, lvl, append([]Option{WithClock(benchClock)}, options...)...)
}

func tenFields() []Field {
	return []Field{
		Int("int", 1), Int64("int64", 2), Float64("float", 3.0), String("string", "four!"),
		Bool("bool", true), Time("time", time.Unix(0, 0)), Error(errExample),
		Duration("duration", time.Second), Object("user", jane{}),
		String("another string", "done!"),
	}
}

func BenchmarkField(b *testing.B) {
	cases := []struct {
		name  string
		field Field
	}{
		{"bool", Bool("foo", true)},
		{"float64", Float64("foo", 3.14)},
		{"int", Int("foo", 42)},
		{"string", String("foo", "bar")},
		{"stringer", Stringer("foo", requestID(7))},
		{"time", Time("foo", time.Unix(0, 0))},
		{"duration", Duration("foo", time.Second)},
		{"error", Error(errExample)},
		{"object", Object("user", jane{})},
		{"reflect", Reflect("foo", map[string]int{"a": 1, "b": 2})},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			logger := newBenchLogger(DebugLevel)
			for i := 0; i < b.N; i++ {
				logger.Info("Ability to go down staircase", tc.field)
			}
		})
	}
}

func BenchmarkNoContext(b *testing.B) {
	logger := newBenchLogger(DebugLevel)
	for i := 0; i < b.N; i++ {
		logger.Info("No context.")
	}
}

func Benchmark10Fields(b *testing.B) {
	logger := newBenchLogger(DebugLevel)
	for i := 0; i < b.N; i++ {
		logger.Info("Ten fields, passed at the log site.", tenFields()...)
	}
}

func Benchmark100Fields(b *testing.B) {
	const batchSize = 50
	logger := newBenchLogger(DebugLevel)
	first := make([]Field, batchSize)
	second := make([]Field, batchSize)
	for i := 0; i < batchSize; i++ {
		first[i] = Int("foo"+strconv.Itoa(i), i)
		second[i] = Int("bar"+strconv.Itoa(i), i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		logger.With(first...).Info("Child loggers with lots of context.", second...)
	}
}

func Benchmark5WithsUsed(b *testing.B) {
	benchmarkWiths(b, (*Logger).With, true)
}

func Benchmark5WithsNotUsed(b *testing.B) {
	benchmarkWiths(b, (*Logger).With, false)
}

func Benchmark5WithLazysNotUsed(b *testing.B) {
	benchmarkWiths(b, (*Logger).WithLazy, false)
}

func benchmarkWiths(b *testing.B, with func(*Logger, ...Field) *Logger, use bool) {
	logger := newBenchLogger(DebugLevel)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		child := logger
		for j := 0; j < 5; j++ {
			child = with(child, Int("k"+strconv.Itoa(j), j), String("s", "value"))
		}
		if use {
			child.Info("used")
		}
	}
}

func BenchmarkAny(b *testing.B) {
	cases := []struct {
		name  string
		value any
	}{
		{"string", "a string"},
		{"int64", int64(42)},
		{"error", errExample},
		{"slice", []int{1, 2, 3, 4}},
	}
	logger := newBenchLogger(DebugLevel)
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				logger.Info("any", Any("value", tc.value))
			}
		})
	}
}

func BenchmarkSugarInfow(b *testing.B) {
	logger := newBenchLogger(DebugLevel).Sugar()
	for i := 0; i < b.N; i++ {
		logger.Infow("sugared", "user", "jane", "attempt", 3, "backoff", time.Second)
	}
}

func BenchmarkSugarInfof(b *testing.B) {
	logger := newBenchLogger(DebugLevel).Sugar()
	for i := 0; i < b.N; i++ {
		logger.Infof("user %s failed attempt %d after %v", "jane", 3, time.Second)
	}
}

func BenchmarkCheckDisabled(b *testing.B) {
	logger := newBenchLogger(InfoLevel)
	for i := 0; i < b.N; i++ {
		if ce := logger.Check(DebugLevel, "disabled"); ce != nil {
			ce.Write(Int("n", i))
		}
	}
}

func BenchmarkAddCaller(b *testing.B) {
	logger := newBenchLogger(DebugLevel, AddCaller())
	for i := 0; i < b.N; i++ {
		logger.Info("Caller.")
	}
}

func BenchmarkAddStacktrace(b *testing.B) {
	logger := newBenchLogger(DebugLevel, AddCaller(), AddStacktrace(ErrorLevel))
	for i := 0; i < b.N; i++ {
		logger.Error("Caller and stacktrace.")
	}
}
"""

# ---------------------------------------------------------------------------------------------
# zapio: imports zapcore and the root directly (like zapio).

ZAPIO_GO = r"""// Package zapio provides tools for interacting with IO streams through the logger.
package zapio

import (
	"bytes"

	"example.com/zaplike"
	"example.com/zaplike/zapcore"
)

// Writer is an io.Writer that writes to the provided Logger, one entry per line. Lines may
// start with a level prefix such as "[warn] " when ParsePrefix is set.
type Writer struct {
	Log         *zaplike.Logger
	Level       zapcore.Level
	ParsePrefix bool

	buff bytes.Buffer
}

// Write writes the provided bytes to the underlying logger at the configured log level,
// splitting them into lines; a partial line is kept until its end arrives or Sync is called.
func (w *Writer) Write(bs []byte) (n int, err error) {
	if !w.ParsePrefix && !w.Log.Core().Enabled(w.Level) {
		return len(bs), nil
	}
	n = len(bs)
	for len(bs) > 0 {
		bs = w.writeLine(bs)
	}
	return n, nil
}

func (w *Writer) writeLine(line []byte) (remaining []byte) {
	idx := bytes.IndexByte(line, '\n')
	if idx < 0 {
		w.buff.Write(line)
		return nil
	}
	line, remaining = line[:idx], line[idx+1:]
	if w.buff.Len() == 0 {
		w.log(line)
		return remaining
	}
	w.buff.Write(line)
	w.flush(true)
	return remaining
}

// Close closes the writer, flushing any buffered data in the process.
func (w *Writer) Close() error { return w.Sync() }

// Sync flushes buffered data to the logger as a new log entry even if it doesn't contain a
// newline.
func (w *Writer) Sync() error {
	w.flush(false)
	return nil
}

func (w *Writer) flush(allowEmpty bool) {
	if allowEmpty || w.buff.Len() > 0 {
		w.log(w.buff.Bytes())
	}
	w.buff.Reset()
}

func (w *Writer) log(b []byte) {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	level := w.Level
	if w.ParsePrefix {
		level, b = splitPrefix(b, w.Level)
	}
	if ce := w.Log.Check(level, string(b)); ce != nil {
		ce.Write()
	}
}

// splitPrefix reads a "[level] " prefix, keeping the default level when there is none or it
// does not parse.
func splitPrefix(b []byte, def zapcore.Level) (zapcore.Level, []byte) {
	if len(b) < 3 || b[0] != '[' {
		return def, b
	}
	end := bytes.IndexByte(b, ']')
	if end < 0 {
		return def, b
	}
	level, err := zapcore.ParseLevel(string(b[1:end]))
	if err != nil {
		return def, b
	}
	return level, bytes.TrimPrefix(b[end+1:], []byte{' '})
}
"""

ZAPIO_TEST_GO = r"""package zapio

import (
	"bytes"
	"strings"
	"testing"

	"example.com/zaplike"
	"example.com/zaplike/zapcore"
)

func TestWriterSplitsLines(t *testing.T) {
	var out bytes.Buffer
	log := zaplike.NewJSON(&out, zapcore.DebugLevel)
	w := &Writer{Log: log, Level: zapcore.InfoLevel, ParsePrefix: true}
	_, _ = w.Write([]byte("one\n[warn] two\r\nthr"))
	_, _ = w.Write([]byte("ee"))
	_ = w.Sync()
	got := out.String()
	for _, want := range []string{`"level":"info"` + `,"ts":`, `"msg":"one"`, `"level":"warn"`,
		`"msg":"two"`, `"msg":"three"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in %s", want, got)
		}
	}
}
"""

ZAPIO_BENCH_GO = r"""package zapio

import (
	"bytes"
	"io"
	"testing"

	"example.com/zaplike"
	"example.com/zaplike/zapcore"
)

func newWriter(logLevel, writeLevel zapcore.Level, prefix bool) *Writer {
	log := zaplike.NewJSON(io.Discard, logLevel)
	return &Writer{Log: log, Level: writeLevel, ParsePrefix: prefix}
}

func BenchmarkWriter(b *testing.B) {
	cases := []struct {
		name   string
		writes [][]byte
	}{
		{"single", [][]byte{[]byte("foo bar\n")}},
		{"multi_4", [][]byte{[]byte("one\ntwo\nthree\nfour\n")}},
		{"partial_chunks", [][]byte{[]byte("a partial "), []byte("line "), []byte("in 3\n")}},
		{"long_1KiB", [][]byte{append(bytes.Repeat([]byte("abcdefgh"), 128), '\n')}},
		{"empty_lines", [][]byte{[]byte("\n\n\n\n\n\n\n\n")}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			w := newWriter(zapcore.DebugLevel, zapcore.InfoLevel, false)
			for i := 0; i < b.N; i++ {
				for _, bs := range tc.writes {
					_, _ = w.Write(bs)
				}
			}
		})
	}
}

func BenchmarkWriterLevels(b *testing.B) {
	line := []byte("a line at some level\n")
	for _, tc := range []struct {
		name  string
		level zapcore.Level
	}{
		{"filtered", zapcore.DebugLevel},
		{"info", zapcore.InfoLevel},
		{"error", zapcore.ErrorLevel},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := newWriter(zapcore.InfoLevel, tc.level, false)
			for i := 0; i < b.N; i++ {
				_, _ = w.Write(line)
			}
		})
	}
}

func BenchmarkWriterPrefixed(b *testing.B) {
	for _, tc := range []struct {
		name string
		line string
	}{
		{"info", "[info] started\n"}, {"warn", "[WARN] disk almost full\n"},
		{"unknown", "[loud] what\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w := newWriter(zapcore.DebugLevel, zapcore.InfoLevel, true)
			line := []byte(tc.line)
			for i := 0; i < b.N; i++ {
				_, _ = w.Write(line)
			}
		})
	}
}

func BenchmarkWriterSync(b *testing.B) {
	w := newWriter(zapcore.DebugLevel, zapcore.InfoLevel, false)
	chunk := []byte("no newline yet")
	for i := 0; i < b.N; i++ {
		_, _ = w.Write(chunk)
		_ = w.Sync()
	}
}
"""

# ---------------------------------------------------------------------------------------------
# benchmarks/: a nested module whose benchmarks import the root (like zap's benchmarks/).

BENCHMARKS_GO_MOD = """module example.com/zaplike/benchmarks

go 1.24

require example.com/zaplike v0.0.0

replace example.com/zaplike => ../
"""

BENCHMARKS_DOC_GO = r"""// Package benchmarks compares logging scenarios through the zaplike
// logger. It is its own module, as zap's benchmarks are.
package benchmarks
"""

SCENARIO_BENCH_GO = r"""package benchmarks

import (
	"errors"
	"io"
	"log"
	"testing"
	"time"

	"example.com/zaplike"
)

var errExample = errors.New("fail")

func newZapLogger(lvl zaplike.Level) *zaplike.Logger {
	clock := func() time.Time { return time.Unix(1700000000, 0) }
	return zaplike.NewJSON(io.Discard, lvl, zaplike.WithClock(clock))
}

func fakeFields() []zaplike.Field {
	return []zaplike.Field{
		zaplike.Int("int", 1),
		zaplike.Int64("int64", 2),
		zaplike.Float64("float", 3.0),
		zaplike.String("string", "four!"),
		zaplike.Bool("bool", true),
		zaplike.Time("time", time.Unix(0, 0)),
		zaplike.Error(errExample),
		zaplike.Duration("duration", time.Second),
		zaplike.String("another string", "done!"),
	}
}

func fakeSugarFields() []any {
	return []any{
		"int", 1,
		"int64", int64(2),
		"float", 3.0,
		"string", "four!",
		"bool", true,
		"time", time.Unix(0, 0),
		"error", errExample,
		"duration", time.Second,
		"another string", "done!",
	}
}

func BenchmarkDisabledWithoutFields(b *testing.B) {
	b.Run("Zap", func(b *testing.B) {
		logger := newZapLogger(zaplike.ErrorLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Should be discarded.")
			}
		})
	})
	b.Run("Zap.Check", func(b *testing.B) {
		logger := newZapLogger(zaplike.ErrorLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ce := logger.Check(zaplike.InfoLevel, "Should be discarded."); ce != nil {
					ce.Write()
				}
			}
		})
	})
	b.Run("Zap.Sugar", func(b *testing.B) {
		logger := newZapLogger(zaplike.ErrorLevel).Sugar()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Should be discarded.")
			}
		})
	})
}

func BenchmarkWithoutFields(b *testing.B) {
	b.Run("Zap", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Go fast.")
			}
		})
	})
	b.Run("Zap.Check", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ce := logger.Check(zaplike.InfoLevel, "Go fast."); ce != nil {
					ce.Write()
				}
			}
		})
	})
	b.Run("Zap.Sugar", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel).Sugar()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Go fast.")
			}
		})
	})
	b.Run("stdlib.Println", func(b *testing.B) {
		logger := log.New(io.Discard, "", log.LstdFlags)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Println("Go fast.")
			}
		})
	})
}

func BenchmarkAccumulatedContext(b *testing.B) {
	b.Run("Zap", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel).With(fakeFields()...)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Go really fast.")
			}
		})
	})
	b.Run("Zap.Sugar", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel).With(fakeFields()...).Sugar()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Go really fast.")
			}
		})
	})
}

func BenchmarkAddingFields(b *testing.B) {
	b.Run("Zap", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Info("Go fast.", fakeFields()...)
			}
		})
	})
	b.Run("Zap.Check", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ce := logger.Check(zaplike.InfoLevel, "Go fast."); ce != nil {
					ce.Write(fakeFields()...)
				}
			}
		})
	})
	b.Run("Zap.Sugar", func(b *testing.B) {
		logger := newZapLogger(zaplike.DebugLevel).Sugar()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				logger.Infow("Go fast.", fakeSugarFields()...)
			}
		})
	})
}
"""

# ---------------------------------------------------------------------------------------------
# Documentation.

README_MD = """# zaplike

Fast, structured, leveled logging in the shape of go.uber.org/zap, with the standard library
only: a `Logger` of typed fields on top of `zapcore` (levels, encoders, cores, samplers, write
syncers), `zapio` to log an `io.Writer`'s lines, and a nested `benchmarks` module.

```go
log := zaplike.NewJSON(os.Stdout, zaplike.InfoLevel)
log.Info("served", zaplike.Int("status", 200))
```
{revision}"""

USAGE_MD = """# Using zaplike

- `zaplike.NewJSON(w, level)` writes one JSON object per line to `w`.
- `logger.With(fields...)` encodes context once; `WithLazy` defers it to the first write.
- `logger.Sugar()` accepts loosely typed key-value pairs, at some cost.
- `zapcore.NewSamplerWithOptions` drops repeated entries; `zapcore.NewRingWriter` keeps the
  last bytes written, to dump after a crash.
{revision}"""


def _revision_line(revision: int, what: str) -> str:
    return f"\n_{what}, revision {revision}._\n" if revision else ""


def sources(*, slow_encoder: int = 1, allocating_encoder: bool = False,
            comment_revision: int = 0, docs_revision: int = 0) -> dict[str, str]:
    """Every file write() writes, by its path relative to the root."""
    return {
        "go.mod": f"module {MODULE}\n\ngo 1.24\n",
        "README.md": README_MD.format(revision=_revision_line(docs_revision, "README")),
        "docs/usage.md": USAGE_MD.format(revision=_revision_line(docs_revision, "Usage notes")),
        "doc.go": ROOT_DOC_GO,
        "field.go": ROOT_FIELD_GO,
        "logger.go": ROOT_LOGGER_GO,
        "sugar.go": ROOT_SUGAR_GO,
        "logger_test.go": ROOT_TEST_GO,
        "logger_bench_test.go": ROOT_BENCH_GO,
        "internal/stacktrace/stack.go": STACKTRACE_GO,
        "internal/stacktrace/stack_bench_test.go": STACKTRACE_BENCH_GO,
        "zapcore/doc.go": CORE_DOC_GO,
        "zapcore/level.go": LEVEL_GO,
        "zapcore/buffer.go": BUFFER_GO,
        "zapcore/encoder.go": ENCODER_GO,
        "zapcore/field.go": FIELD_GO,
        CORE_FILE: json_encoder_source(slow_encoder=slow_encoder,
                                       allocating_encoder=allocating_encoder,
                                       comment_revision=comment_revision),
        "zapcore/console_encoder.go": CONSOLE_ENCODER_GO,
        "zapcore/entry.go": ENTRY_GO,
        "zapcore/core.go": CORE_GO,
        "zapcore/sampler.go": SAMPLER_GO,
        "zapcore/write_syncer.go": WRITE_SYNCER_GO,
        "zapcore/zapcore_test.go": CORE_TEST_GO,
        "zapcore/bench_shared_test.go": CORE_BENCH_SHARED_GO,
        "zapcore/json_encoder_bench_test.go": JSON_BENCH_GO,
        "zapcore/zapcore_bench_test.go": CORE_MISC_BENCH_GO,
        "zapio/writer.go": ZAPIO_GO,
        "zapio/writer_test.go": ZAPIO_TEST_GO,
        "zapio/writer_bench_test.go": ZAPIO_BENCH_GO,
        "benchmarks/go.mod": BENCHMARKS_GO_MOD,
        "benchmarks/doc.go": BENCHMARKS_DOC_GO,
        "benchmarks/scenario_bench_test.go": SCENARIO_BENCH_GO,
    }


def layout(root: Path) -> Layout:
    """What write(root) writes, without writing it."""
    nested = root / "benchmarks"
    packages = (
        Package(root, "./zapcore", f"{MODULE}/zapcore", Relation.CORE, CORE_BENCHMARKS),
        Package(root, ".", MODULE, Relation.DIRECT, ROOT_BENCHMARKS),
        Package(root, "./zapio", f"{MODULE}/zapio", Relation.DIRECT, ZAPIO_BENCHMARKS),
        Package(root, "./internal/stacktrace", f"{MODULE}/internal/stacktrace", Relation.NONE,
                STACKTRACE_BENCHMARKS),
        Package(nested, ".", f"{MODULE}/benchmarks", Relation.INDIRECT, SCENARIO_BENCHMARKS),
    )
    return Layout(root=root, modules=(root, nested), packages=packages,
                  core_file=root / CORE_FILE,
                  docs_files=tuple(root / name for name in DOCS_FILES))


def write(root: Path, *, slow_encoder: int = 1, allocating_encoder: bool = False,
          comment_revision: int = 0, docs_revision: int = 0) -> Layout:
    """Write the repository's files under root (created if needed; other files are left alone).

    Writing again with other knobs rewrites only the files they change, so a commit after it
    changes exactly those: slow_encoder and allocating_encoder (a regression) and
    comment_revision (no code change) change zapcore/json_encoder.go, docs_revision changes
    README.md and docs/usage.md.
    """
    files = sources(slow_encoder=slow_encoder, allocating_encoder=allocating_encoder,
                    comment_revision=comment_revision, docs_revision=docs_revision)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return layout(root)


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Write a Go repository shaped like zap.")
    parser.add_argument("root", type=Path)
    parser.add_argument("--slow-encoder", type=int, default=1)
    parser.add_argument("--allocating-encoder", action="store_true")
    parser.add_argument("--comment-revision", type=int, default=0)
    parser.add_argument("--docs-revision", type=int, default=0)
    args = parser.parse_args()
    written = write(args.root, slow_encoder=args.slow_encoder,
                    allocating_encoder=args.allocating_encoder,
                    comment_revision=args.comment_revision, docs_revision=args.docs_revision)
    for package in written.packages:
        sys.stdout.write(f"{package.module_dir}\t{package.pattern}\t{package.relation.value}\t"
                         f"{len(package.top_level)} top-level\t"
                         f"{len(package.benchmarks)} benchmarks\n")
    sys.stdout.write(f"core file: {written.core_file}\n")
