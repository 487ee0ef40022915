"""`benchguard install`: put benchguard's pre-push hook in place, keeping any hook already there."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from benchguard import git, output
from benchguard.errors import EXIT_USAGE, BenchguardError

SIGNATURE = "# benchguard-hook: pre-push v1"
HOOK = "pre-push"
LEGACY = "pre-push.legacy"

# git gives a pre-push hook the pushed refs on stdin; both the kept hook and benchguard need
# them, so the script saves stdin to a file first.
_SCRIPT = """\
#!/bin/sh
{signature}
# benchguard's pre-push hook: blocks a push whose commits make Go benchmarks slower.
# `benchguard install` keeps a hook it replaces as pre-push.legacy, which runs first;
# `benchguard uninstall` removes this hook and restores that one.
# Skip once with BENCHGUARD_SKIP=1 git push; allow a regression with BENCHGUARD_ALLOW=<regex>.
set -u
input=$(mktemp "${{TMPDIR:-/tmp}}/benchguard-pre-push.XXXXXX") || exit 1
trap 'rm -f "$input"' EXIT
cat > "$input"
legacy="$(dirname "$0")/pre-push.legacy"
if [ -x "$legacy" ]; then
    "$legacy" "$@" < "$input" || exit $?
fi
{command} check --pre-push "$@" < "$input"
"""


def script(command: str) -> str:
    """The hook; ``command`` runs benchguard (a quoted shell word or words)."""
    return _SCRIPT.format(signature=SIGNATURE, command=command)


def hooks_dir(repo: Path) -> Path:
    """Where git looks for hooks, honouring core.hooksPath."""
    return Path(git.output(["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
                           cwd=repo))


def is_ours(path: Path) -> bool:
    try:
        return SIGNATURE in path.read_text(encoding="utf-8", errors="replace")
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
    command = f"{shlex.quote(sys.executable)} -m benchguard"
    hook.write_text(script(command), encoding="utf-8")
    hook.chmod(0o755)
    print(f"benchguard: installed the pre-push hook at {hook}")
    return 0
