"""Which commits a push checks: from pre-push ref lines, pre-commit's variables, or by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.tools import git

if TYPE_CHECKING:
    from benchguard.progress import Reporter


@dataclass(frozen=True)
class RefUpdate:
    """One line git gives a pre-push hook on stdin."""

    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


@dataclass(frozen=True)
class Range:
    """The commits from ``base`` to ``head``; ``base`` is None when nothing came before."""

    ref: str
    base: str | None
    head: str
    why: str  # how base was chosen: "update", "new branch", "force push", …
    # base is known to be an ancestor of head (where it forked): no merge-base to compute
    forked: bool = field(default=False, compare=False)


def is_ssh(url: str) -> bool:
    """Whether git reaches ``url`` over SSH: ssh://, git+ssh:// and ssh+git:// URLs, and
    git's scp-like [user@]host:path (a colon before any slash)."""
    scheme, separator, _ = url.partition("://")
    if separator:
        return scheme.lower() in ("ssh", "git+ssh", "ssh+git")
    colon, slash = url.find(":"), url.find("/")
    return colon > 0 and (slash == -1 or colon < slash)


def parse_ref_lines(text: str) -> list[RefUpdate]:
    updates = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        # The local ref is whatever the user typed and may contain spaces; the rest cannot.
        parts = line.rsplit(maxsplit=3)
        if len(parts) != 4:
            raise BenchguardError(
                f"pre-push input line {number}: expected '<local ref> <local sha> <remote ref> "
                f"<remote sha>', got {line!r}",
                exit_code=EXIT_USAGE,
            )
        updates.append(RefUpdate(*parts))
    return updates


def default_branch_base(repo: Path, remote: str | None, head: str) -> str | None:
    """Where a new branch forked: the merge-base with the remote's default branch, else the
    parent of the oldest commit no remote-tracking ref has. None when head's whole history is
    new (a root push): there is no earlier commit to measure."""
    candidates = []
    if remote:
        candidates = [f"refs/remotes/{remote}/HEAD", f"refs/remotes/{remote}/main",
                      f"refs/remotes/{remote}/master"]
    for ref in candidates:
        tip = git.try_resolve(repo, ref)
        if tip is not None:
            base = git.merge_base(repo, tip, head)
            if base is not None:
                return base
    new = git.output(["rev-list", "--topo-order", "--reverse", head, "--not", "--remotes"],
                     cwd=repo).split()
    if not new:
        return head  # already on a remote: nothing new to check
    return git.try_resolve(repo, f"{new[0]}^")


def range_for_update(repo: Path, remote: str | None, update: RefUpdate, *,
                     reporter: Reporter) -> Range | None:
    """The commits one pushed ref brings, or None for lines benchguard ignores."""
    if update.local_sha == git.ZERO_SHA:
        return None  # a deletion
    if not update.remote_ref.startswith("refs/heads/"):
        return None  # tags, notes (our own `sync` pushes), anything else
    ref, head = update.remote_ref, update.local_sha
    if update.remote_sha == git.ZERO_SHA:
        return Range(ref, default_branch_base(repo, remote, head), head, "new branch",
                     forked=True)
    ancestor = git.ancestry(repo, update.remote_sha, head)
    if ancestor is None:
        reporter.warn(
            f"{ref}: the remote's {update.remote_sha[:12]} is not in this repository "
            "(shallow clone or not fetched); comparing against where the branch forked instead"
        )
        return Range(ref, default_branch_base(repo, remote, head), head, "remote commit unknown",
                     forked=True)
    if ancestor:
        return Range(ref, update.remote_sha, head, "update", forked=True)
    fork = git.merge_base(repo, update.remote_sha, head)
    if fork is None:
        return Range(ref, default_branch_base(repo, remote, head), head, "force push, unrelated",
                     forked=True)
    return Range(ref, fork, head, "force push", forked=True)


def ranges_for_push(repo: Path, remote: str | None, updates: Sequence[RefUpdate], *,
                    reporter: Reporter) -> list[Range]:
    """One range per pushed branch; a head pushed under several names is checked once."""
    ranges: list[Range] = []
    seen: set[str] = set()
    for update in updates:
        found = range_for_update(repo, remote, update, reporter=reporter)
        if found is None or found.head in seen:
            continue
        seen.add(found.head)
        ranges.append(found)
    return ranges


def pre_commit_range(repo: Path, environ: Mapping[str, str], *,
                     reporter: Reporter) -> Range | None:
    """The range pre-commit's pre-push stage describes in PRE_COMMIT_* variables.

    pre-commit sets FROM/TO only when it found a base; on a push of a root commit it sets
    neither, but still names the local branch."""
    remote = environ.get("PRE_COMMIT_REMOTE_NAME") or None
    ref = environ.get("PRE_COMMIT_REMOTE_BRANCH") or "HEAD"
    if ref.startswith(("refs/tags/", "refs/notes/")):
        return None
    to_ref = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    head = git.resolve(repo, to_ref)
    from_ref = environ.get("PRE_COMMIT_FROM_REF")
    if from_ref:
        base = git.try_resolve(repo, from_ref)
        if base is None:
            reporter.warn(f"PRE_COMMIT_FROM_REF {from_ref} is not in this repository; "
                        "comparing against where the branch forked instead")
        elif git.is_ancestor(repo, base, head):
            return Range(ref, base, head, "update", forked=True)
        else:
            fork = git.merge_base(repo, base, head)
            if fork is not None:
                return Range(ref, fork, head, "force push", forked=True)
    return Range(ref, default_branch_base(repo, remote, head), head, "new branch", forked=True)


def manual_range(repo: Path, base: str | None, head: str | None) -> Range:
    """`benchguard check [--base REV] [--head REV]`: by default the upstream's merge-base."""
    head_sha = git.resolve(repo, head or "HEAD")
    if base is not None:
        return Range(head or "HEAD", git.resolve(repo, base), head_sha, f"--base {base}")
    upstream = git.upstream(repo)
    if upstream is not None:
        fork = git.merge_base(repo, upstream, head_sha)
        if fork is not None:
            return Range(head or "HEAD", fork, head_sha, f"merge-base with {upstream}",
                         forked=True)
    for ref in ("refs/remotes/origin/HEAD", "refs/remotes/origin/main",
                "refs/remotes/origin/master"):
        tip = git.try_resolve(repo, ref)
        if tip is not None:
            fork = git.merge_base(repo, tip, head_sha)
            if fork is not None:
                name = ref.removeprefix("refs/remotes/")
                return Range(head or "HEAD", fork, head_sha, f"merge-base with {name}",
                             forked=True)
    raise BenchguardError(
        "no upstream branch and no origin default branch to compare against; "
        "pass --base REV (for example --base main~1)",
        exit_code=EXIT_USAGE,
    )


# How far back along the first parents default_base looks for a commit with a stored baseline.
BASE_SEARCH = 200


def default_base(repo: Path, rev: str, *,
                 has_baseline: Callable[[str], bool] | None = None) -> str | None:
    """What `report` and `profile` compare ``rev`` with when no --base is given: where `check`
    would compare it (the merge-base with its upstream, else with origin's default branch); else
    the nearest first-parent ancestor ``has_baseline`` accepts (up to BASE_SEARCH back); else
    ``rev``~1. None when ``rev`` has no parent."""
    head = git.resolve(repo, rev)
    try:
        fork: str | None = manual_range(repo, None, rev).base
    except BenchguardError:
        fork = None
    if fork is not None and fork != head:
        return fork
    if has_baseline is not None:
        ancestors = git.output(["rev-list", "--first-parent", f"--max-count={BASE_SEARCH + 1}",
                                head], cwd=repo).split()[1:]
        found = next((commit for commit in ancestors if has_baseline(commit)), None)
        if found is not None:
            return found
    return git.try_resolve(repo, f"{head}~1")
