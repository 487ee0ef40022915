"""`benchguard uninstall`: remove benchguard's pre-push hook and restore the one it replaced."""

from __future__ import annotations

import argparse

from benchguard.commands.install import HOOK, LEGACY, hooks_dir, is_ours
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.tools import git


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    directory = hooks_dir(git.toplevel())
    hook, legacy = directory / HOOK, directory / LEGACY
    if not hook.exists():
        print(f"benchguard: no pre-push hook at {hook}; nothing to remove")
        return 0
    if not is_ours(hook):
        raise BenchguardError(f"{hook} is not benchguard's hook; leaving it alone",
                              exit_code=EXIT_USAGE)
    hook.unlink()
    if legacy.exists():
        legacy.rename(hook)
        print(f"benchguard: removed the pre-push hook and restored the previous one at {hook}")
    else:
        print(f"benchguard: removed the pre-push hook at {hook}")
    return 0
