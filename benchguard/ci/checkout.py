"""CI checkouts are often shallow (actions/checkout fetches one commit by default): bring in the
commits a check compares, and enough history to find where the head forked from the base."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.tools import git

_DEEPEN = (50, 500)  # then the whole history


def is_shallow(repo: Path) -> bool:
    return git.output(["rev-parse", "--is-shallow-repository"], cwd=repo) == "true"


def ensure_commits(repo: Path, remote: str, base: str, head: str, *,
                   reporter: Reporter) -> None:
    """Make ``base`` and ``head`` and their merge-base present, fetching from ``remote`` as
    needed; a BenchguardError that says what to change when the remote cannot provide them."""
    shallow = is_shallow(repo)
    missing = [sha for sha in dict.fromkeys((base, head)) if not git.has_commit(repo, sha)]
    if missing:
        reporter.progress(f"fetching {', '.join(git.short(sha) for sha in missing)} from "
                          f"{remote}" + (" (shallow checkout)" if shallow else ""))
        _fetch(repo, remote, missing, ["--depth=1"] if shallow else [])
    if not shallow or git.merge_base(repo, base, head) is not None:
        return
    for depth in _DEEPEN:
        reporter.progress(f"shallow checkout: fetching {depth} more commits of history to find "
                          f"where {git.short(head)} forked from {git.short(base)}")
        _fetch(repo, remote, [base, head], [f"--deepen={depth}"])
        if git.merge_base(repo, base, head) is not None or not is_shallow(repo):
            return
    reporter.progress("shallow checkout: fetching the whole history")
    _fetch(repo, remote, [base, head], ["--unshallow"])


def ensure_history(repo: Path, remote: str, commit: str, depth: int, *,
                   reporter: Reporter) -> None:
    """Make ``commit``'s last ``depth`` first-parent commits present (a shallow checkout has
    one): the history its change points are found in."""
    if not is_shallow(repo):
        return
    reporter.progress(f"shallow checkout: fetching {depth} commits of history for its change "
                      "points")
    _fetch(repo, remote, [commit], [f"--depth={depth}"])


def _fetch(repo: Path, remote: str, shas: Sequence[str], options: Sequence[str]) -> None:
    proc = git.run(["fetch", "--quiet", "--no-tags", *options, remote, *shas], cwd=repo,
                   check=False)
    if proc.returncode != 0:
        said = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchguardError(
            f"cannot fetch {', '.join(git.short(sha) for sha in shas)} from {remote} ({said}); "
            "the check needs the pull request's base and head commits: check out with "
            "`fetch-depth: 0` (actions/checkout) or `GIT_DEPTH: 0` (GitLab), or make sure "
            f"{remote} still has them", exit_code=EXIT_USAGE)
