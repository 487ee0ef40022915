"""`benchguard install`: put benchguard's pre-push hook in place, keeping any hook already there."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shlex
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from benchguard.commands import output
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.tools import git

# The line benchguard knows its own hook by; "v1" hooks (before 0.2) are upgraded by `install`.
MARK = "# benchguard-hook: pre-push v"
SIGNATURE = f"{MARK}2"
HOOK = "pre-push"
LEGACY = "pre-push.legacy"

# git gives a pre-push hook the pushed refs on stdin; both the kept hook and benchguard need
# them, so the script saves stdin to a file first. The interpreter that installed the hook may
# be gone later (a deleted virtualenv, an upgraded Python): then the hook tries `benchguard` on
# PATH and `python3 -m benchguard`, and when none works it refuses the push saying how to fix
# it, never with a bare traceback and never letting the push through unchecked. A Python that
# cannot import benchguard exits 127 (as the shell does for a missing program) before it reads
# the push. POSIX sh, no bashisms: hooks run under whatever /bin/sh is.
#
# The hook runs in the repository being pushed, so nothing there may choose what runs as
# benchguard: `python -c` would put the current directory first on sys.path (a `benchguard/`
# of the repository's own would pass every push), and so would an empty entry of PYTHONPATH
# (`PYTHONPATH=$PYTHONPATH:/opt/lib` with none set before). Python starts isolated (-I): no
# current directory, no PYTHON* variables, no user site. A benchguard installed with
# `pip install --user` or through PYTHONPATH is then not found by the Python that installed the
# hook, and `benchguard` on PATH runs instead (without PYTHONPATH). The copy of git's input is
# removed however the hook ends: exit, Ctrl-C, SIGTERM or a closed terminal (SIGHUP).
_SCRIPT = """\
#!/bin/sh
{signature}
# benchguard's pre-push hook: blocks a push whose commits make Go benchmarks slower.
# `benchguard install` keeps a hook it replaces as pre-push.legacy, which runs first;
# `benchguard uninstall` removes this hook and restores that one.
# Skip once with BENCHGUARD_SKIP=1 git push; allow a regression with BENCHGUARD_ALLOW=<regex>.
set -u
installed={python}
reinstall={reinstall}
input=$(mktemp "${{TMPDIR:-/tmp}}/benchguard-pre-push.XXXXXX") || exit 1
trap 'rm -f "$input"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cat > "$input"
legacy="$(dirname "$0")/pre-push.legacy"
if [ -x "$legacy" ]; then
    "$legacy" "$@" < "$input" || exit $?
fi

# benchguard under the Python $1; 127 when that Python is missing or has no benchguard.
check_with() {{
    python=$1
    shift
    command -v "$python" >/dev/null 2>&1 || return 127
    "$python" -I -c 'import sys
try:
    from benchguard.main import main
except Exception:
    sys.exit(127)
sys.exit(main())' check --pre-push "$@" < "$input"
}}

status=127
if [ -n "$installed" ]; then
    check_with "$installed" "$@"
    status=$?
fi
if [ "$status" -eq 126 ] || [ "$status" -eq 127 ]; then
    if [ -n "$installed" ]; then
        printf 'benchguard: %s, the Python that installed this hook, %s\\n' "$installed" \\
            "is gone or cannot import benchguard; trying benchguard on PATH, then python3" >&2
    fi
    # a console script does not put the current directory on sys.path; PYTHONPATH might
    if (unset PYTHONPATH; benchguard --version) >/dev/null 2>&1; then
        (unset PYTHONPATH; benchguard check --pre-push "$@" < "$input")
        status=$?
    else
        check_with python3 "$@"
        status=$?
    fi
fi
if [ "$status" -eq 126 ] || [ "$status" -eq 127 ]; then
    skip=$(printf '%s' "${{BENCHGUARD_SKIP:-}}" | tr -d ' ' | tr 'A-Z' 'a-z')
    case "$skip" in
        ''|0|false|no) ;;
        *) echo "benchguard: BENCHGUARD_SKIP is set: benchmarks not checked" >&2; exit 0 ;;
    esac
    {{
        echo "benchguard: the pre-push hook cannot run benchguard, so this push is refused:"
        echo "benchguard: no benchguard on PATH works, and neither does python3 -m benchguard."
        printf 'benchguard: to reinstall: %s\\n' "$reinstall"
        echo "benchguard: to push without the benchmark check: BENCHGUARD_SKIP=1 git push"
    }} >&2
    exit 1
fi
exit "$status"
"""


def script(python: str | None, source: str | None = None) -> str:
    """The hook: benchguard under ``python`` (the interpreter that ran `install`; None: start
    with `benchguard` on PATH), reinstalled with `pip install SOURCE` (shell words, default
    "benchguard") if it is gone. Both are quoted for the shell: they are data, never code."""
    reinstall = f"pip install {source or 'benchguard'} && benchguard install"
    return _SCRIPT.format(signature=SIGNATURE, python=shlex.quote(python or ""),
                          reinstall=shlex.quote(reinstall))


def installed_from() -> str | None:
    """What to give `pip install` to install this benchguard again, as shell words: the
    checkout it came from (`-e PATH` when editable), from its direct_url.json; None when it
    came from an index (or nobody knows)."""

    for distribution in importlib.metadata.distributions(name="benchguard"):
        try:
            found = json.loads(distribution.read_text("direct_url.json") or "null")
        except ValueError:
            continue
        if not isinstance(found, dict) or not str(found.get("url", "")).startswith("file://"):
            continue
        path = unquote(urlparse(str(found["url"])).path)
        editable = bool((found.get("dir_info") or {}).get("editable"))
        return f"-e {shlex.quote(path)}" if editable else shlex.quote(path)
    return None


def hooks_dir(repo: Path) -> Path:
    """Where git looks for hooks, honouring core.hooksPath."""
    return Path(git.output(["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
                           cwd=repo))


def is_ours(path: Path) -> bool:
    """benchguard's hook, of this version or an older one (which `install` upgrades)."""
    try:
        return MARK in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="keep an existing pre-push hook as pre-push.legacy and run it first")


def run(args: argparse.Namespace) -> int:
    repo = git.toplevel()
    directory = hooks_dir(repo)
    hook, legacy = directory / HOOK, directory / LEGACY
    if hook.exists() and not is_ours(hook):
        if not args.force:
            raise BenchguardError(
                f"{hook} already exists and is not benchguard's; rerun with --force to keep it "
                f"as {LEGACY} and run it before benchguard",
                exit_code=EXIT_USAGE,
            )
        if legacy.exists():
            raise BenchguardError(f"{hook} and {legacy} both exist; move one of them away first",
                                  exit_code=EXIT_USAGE)
        hook.rename(legacy)
        legacy.chmod(legacy.stat().st_mode | 0o111)
        output.progress(f"kept the existing hook as {legacy}; it runs first")
    directory.mkdir(parents=True, exist_ok=True)
    hook.write_text(script(sys.executable, installed_from()), encoding="utf-8")
    hook.chmod(0o755)
    print(f"benchguard: installed the pre-push hook at {hook}")
    return 0
