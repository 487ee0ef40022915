"""The one error type benchguard raises for expected failures, and its exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_BENCH_FAILED = 3
EXIT_INTERNAL = 4  # a bug: "unexpected error" and the path of a log with the traceback
EXIT_INTERRUPTED = 130


class BenchguardError(Exception):
    """An expected failure: a one-line message a user can act on, and an exit code.

    Raise it with ``exit_code=EXIT_USAGE`` for bad usage or configuration and
    ``exit_code=EXIT_BENCH_FAILED`` when a benchmark could not be built or run.
    ``detail`` is printed after the message (for example the tail of go's output).
    """

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.detail = detail
