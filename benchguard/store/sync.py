"""Sharing the notes with a remote: fetch and merge its notes into ours (union of lines,
cat_sort_uniq), and push the result — never forced, merged again when the remote moved."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.store.notes import CAS_ATTEMPTS, check_ref
from benchguard.tools import git

_SYNC_ATTEMPTS = 6


def tracking_ref(remote: str, ref: str) -> str:
    return f"refs/notes/remotes/{remote}/{ref.removeprefix('refs/notes/')}"


class SyncOutcome(StrEnum):
    SYNCED = "synced"  # both sides now hold the union of their notes
    NOTHING = "nothing"  # no notes here or on the remote


@dataclass(frozen=True)
class Synced:
    """What a sync did."""

    remote: str
    ref: str
    outcome: SyncOutcome
    tip: str | None  # the notes commit both sides now point at (None with nothing to sync)
    retries: int  # how often the remote moved during the sync and was merged again


def fetch(repo: Path, remote: str, ref: str) -> bool:
    """Merge ``remote``'s notes into ours (union of lines, cat_sort_uniq) without pushing: what a
    check needs to use the baselines others recorded. False when the remote has no notes."""
    check_ref(ref)
    if git.run(["remote", "get-url", remote], cwd=repo, check=False).returncode != 0:
        raise BenchguardError(f"no remote named '{remote}' (see `git remote -v`)")
    if not git.output(["ls-remote", remote, ref], cwd=repo).split():
        return False
    tracking = tracking_ref(remote, ref)
    git.run(["fetch", "--quiet", "--no-tags", remote, f"+{ref}:{tracking}"], cwd=repo)
    _merge(repo, ref, tracking)
    return True


def sync(repo: Path, remote: str, ref: str, *, reporter: Reporter) -> Synced:
    """Fetch ``remote``'s notes, merge them into ours (union of lines, cat_sort_uniq) and push the
    result. Never forces: when the remote moved in between, fetch and merge again (told to
    ``reporter``)."""
    last_error = ""
    for attempt in range(_SYNC_ATTEMPTS):
        fetch(repo, remote, ref)
        local = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=repo, check=False)
        if local.returncode != 0:
            return Synced(remote, ref, SyncOutcome.NOTHING, None, attempt)
        proc = git.run(["push", "--quiet", "--no-verify", remote, f"{ref}:{ref}"], cwd=repo,
                       check=False)
        if proc.returncode == 0:
            return Synced(remote, ref, SyncOutcome.SYNCED, local.stdout.strip(), attempt)
        if "rejected" not in proc.stderr and "stale info" not in proc.stderr:
            raise git.GitError(["push", "--no-verify", remote, f"{ref}:{ref}"], proc.returncode,
                               proc.stdout, proc.stderr)
        last_error = (proc.stderr.strip().splitlines() or ["rejected"])[-1]
        reporter.progress(f"{remote} notes moved while syncing; merging again")
        time.sleep(random.uniform(0.05, 0.2 * (attempt + 1)))
    raise BenchguardError(f"could not push {ref} to {remote}: it kept moving "
                          f"({_SYNC_ATTEMPTS} attempts; last: {last_error})")


def _merge(repo: Path, ref: str, tracking: str) -> None:
    """Merge ``tracking`` into ``ref`` with `git notes merge -s cat_sort_uniq`, done on a private
    ref and moved into place with compare-and-swap (git notes merge itself forces the ref)."""
    theirs = git.output(["rev-parse", tracking], cwd=repo)
    for attempt in range(CAS_ATTEMPTS):
        proc = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=repo, check=False)
        ours = proc.stdout.strip() if proc.returncode == 0 else None
        if ours == theirs or (ours is not None and git.is_ancestor(repo, theirs, ours)):
            return
        if ours is None or git.is_ancestor(repo, ours, theirs):
            new = theirs
        else:
            new = _merge_commit(repo, ours, tracking, ref)
        moved = git.run(["update-ref", "-m", f"benchguard: merge {tracking}", ref, new,
                         ours or git.ZERO_SHA], cwd=repo, check=False)
        if moved.returncode == 0:
            return
        time.sleep(random.uniform(0.005, 0.02 * min(attempt + 1, 10)))
    raise BenchguardError(f"could not update {ref}: it kept moving")


def _merge_commit(repo: Path, ours: str, tracking: str, ref: str) -> str:
    scratch = f"{ref}-merge-{os.getpid()}-{random.randrange(1 << 30)}"
    identity: list[str] = []
    if not git.config_get(repo, "user.email") and not os.environ.get("GIT_COMMITTER_EMAIL"):
        identity = ["-c", "user.name=benchguard", "-c", "user.email=benchguard@localhost"]
    git.run(["update-ref", scratch, ours, git.ZERO_SHA], cwd=repo)
    try:
        git.run([*identity, "notes", f"--ref={scratch}", "merge", "--quiet", "-s",
                 "cat_sort_uniq", tracking], cwd=repo)
        return git.output(["rev-parse", scratch], cwd=repo)
    finally:
        git.run(["update-ref", "-d", scratch], cwd=repo, check=False)
