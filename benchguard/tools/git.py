"""Every git command benchguard runs goes through this module."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchguard.errors import EXIT_USAGE, BenchguardError

ZERO_SHA = "0" * 40

# Variables git sets for hooks that would point a git command run elsewhere (a worktree,
# another clone) back at the wrong repository. GIT_CONFIG_PARAMETERS is kept on purpose:
# it carries `git -c key=value push` into the hook.
_KEEP = {
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_EXEC_PATH",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSL_CAINFO",
    "GIT_SSL_NO_VERIFY",
    "GIT_ASKPASS",
    "GIT_TERMINAL_PROMPT",
    "GIT_ALLOW_PROTOCOL",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
}


def clean_env() -> dict[str, str]:
    """The environment with repository-pinning GIT_* variables removed."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_")
        or key in _KEEP
        or key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }


class GitError(BenchguardError):
    """A git command failed; the message shows the command and what git said."""

    def __init__(self, args: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        said = (stderr.strip() or stdout.strip()).splitlines()
        last = said[-1] if said else "no output"
        super().__init__(
            f"git {' '.join(args)} failed (exit {returncode}): {last}",
            exit_code=EXIT_USAGE,
            detail=stderr.strip() if len(said) > 1 else "",  # else the message says it all
        )
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def run(
    args: Sequence[str],
    *,
    cwd: Path | str,
    input: str | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``git ARGS`` in ``cwd``; raise GitError on a non-zero exit unless ``check`` is False."""
    git = shutil.which("git")
    if git is None:
        raise BenchguardError("git not found on PATH", exit_code=EXIT_USAGE)
    proc = subprocess.run(
        [git, *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=clean_env(),
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitError(args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def output(args: Sequence[str], *, cwd: Path | str, input: str | None = None) -> str:
    """stdout of ``git ARGS`` without its trailing newline."""
    return run(args, cwd=cwd, input=input).stdout.rstrip("\n")


def toplevel(cwd: Path | str = ".") -> Path:
    proc = run(["rev-parse", "--show-toplevel"], cwd=cwd, check=False)
    if proc.returncode != 0:
        raise BenchguardError(f"{Path(cwd).resolve()}: not inside a git repository")
    return Path(proc.stdout.strip())


def git_dir(repo: Path) -> Path:
    """The common git directory (shared by all worktrees)."""
    return Path(output(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=repo))


def resolve(repo: Path, rev: str) -> str:
    """The full commit id of ``rev``, or a clear error naming it."""
    proc = run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
               cwd=repo, check=False)
    if proc.returncode != 0:
        shallow = output(["rev-parse", "--is-shallow-repository"], cwd=repo) == "true"
        hint = " (a shallow clone: `git fetch --unshallow` brings the rest)" if shallow else ""
        raise BenchguardError(f"unknown revision '{rev}': no such commit in {repo}{hint}")
    return proc.stdout.strip()


def try_resolve(repo: Path, rev: str) -> str | None:
    proc = run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
               cwd=repo, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def has_commit(repo: Path, sha: str) -> bool:
    return run(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo, check=False).returncode == 0


def merge_base(repo: Path, a: str, b: str) -> str | None:
    proc = run(["merge-base", a, b], cwd=repo, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def ancestry(repo: Path, ancestor: str, descendant: str) -> bool | None:
    """Whether ``ancestor`` is an ancestor of ``descendant`` (or the same commit); None when
    either is not in this repository. One git process answers both questions."""
    proc = run(["merge-base", "--is-ancestor", ancestor, descendant], cwd=repo, check=False)
    return {0: True, 1: False}.get(proc.returncode)


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    proc = run(["merge-base", "--is-ancestor", ancestor, descendant], cwd=repo, check=False)
    return proc.returncode == 0


def config_get_all(repo: Path, key: str) -> list[str]:
    """Every value of ``key`` as the git CLI sees it (including ``git -c``), [] when unset."""
    proc = run(["config", "--get-all", key], cwd=repo, check=False)
    return proc.stdout.splitlines() if proc.returncode == 0 else []


def config_get(repo: Path, key: str) -> str | None:
    values = config_get_all(repo, key)
    return values[-1] if values else None


def upstream(repo: Path, branch: str = "HEAD") -> str | None:
    proc = run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", f"{branch}@{{upstream}}"],
               cwd=repo, check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def changed_files(repo: Path, base: str, head: str) -> list[str]:
    """Paths changed from ``base`` to ``head``, deletions and both sides of renames included."""
    out = output(["diff", "--name-status", "-z", "-M", base, head, "--"], cwd=repo)
    fields = out.split("\0")
    paths: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C"):
            paths.extend(fields[i + 1 : i + 3])
            i += 3
        else:
            paths.append(fields[i + 1])
            i += 2
    return list(dict.fromkeys(paths))


def commits_between(repo: Path, base: str, head: str) -> list[str]:
    """Commits reachable from head but not base, oldest first."""
    out = output(["rev-list", "--reverse", f"{base}..{head}"], cwd=repo)
    return out.split()


def first_parent_commits(repo: Path, base: str, head: str) -> list[tuple[str, str, str]]:
    """The first-parent commits from ``base`` (excluded) to ``head``, oldest first: (sha,
    subject, "Author Name <email>") each, from one git process."""
    out = output(["log", "--first-parent", "--reverse", "-z", "--format=%H%x01%s%x01%an <%ae>",
                  f"{base}..{head}", "--"], cwd=repo)
    found = []
    for entry in out.split("\0"):
        sha, subject, author = [*entry.strip("\n").split("\x01"), "", ""][:3]
        if sha:
            found.append((sha, subject, author))
    return found


def commit_message(repo: Path, sha: str) -> str:
    return output(["log", "-1", "--format=%B", sha], cwd=repo)


@contextlib.contextmanager
def worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached temporary worktree of ``commit``, removed on success, failure and Ctrl-C."""
    parent = Path(tempfile.mkdtemp(prefix="benchguard-"))
    path = parent / "tree"
    try:
        added = run(["worktree", "add", "--detach", "--quiet", str(path), commit], cwd=repo,
                    check=False)
        if added.returncode != 0:
            said = (added.stderr.strip().splitlines() or ["no output"])[-1]
            raise BenchguardError(f"cannot check out {commit[:12]} in a temporary worktree: "
                                  f"{said}", exit_code=EXIT_USAGE)
        yield path
    finally:
        removed = run(["worktree", "remove", "--force", str(path)], cwd=repo, check=False)
        shutil.rmtree(parent, ignore_errors=True)
        if removed.returncode != 0:
            _forget_worktree(repo, path)


def _forget_worktree(repo: Path, path: Path) -> None:
    """Remove git's record of the worktree at ``path`` and no other: `git worktree prune` would
    also drop the user's own entries whose directories are gone (say, on an unmounted disk)."""
    records = git_dir(repo) / "worktrees"
    for record in records.glob("*/gitdir") if records.is_dir() else ():
        try:
            target = Path(record.read_text(encoding="utf-8").strip())
        except OSError:
            continue
        if os.path.realpath(target.parent) == os.path.realpath(path):
            shutil.rmtree(record.parent, ignore_errors=True)


def tracked_files(repo: Path, commit: str) -> list[str]:
    """Every file path in ``commit``'s tree."""
    return [path for path in output(["ls-tree", "-r", "-z", "--name-only", commit, "--"],
                                    cwd=repo).split("\0") if path]


def commits_with_messages(repo: Path, base: str, head: str) -> dict[str, str]:
    """The commits reachable from head but not base, oldest first, each with its message: one
    git process however many there are."""
    out = run(["log", "--reverse", "-z", "--format=%H%n%B", f"{base}..{head}", "--"],
              cwd=repo).stdout
    messages = {}
    for entry in out.split("\0"):
        sha, _, message = entry.partition("\n")
        if sha:
            messages[sha] = message.rstrip("\n")
    return messages


def blob(repo: Path, rev: str, path: str) -> bytes | None:
    """The raw bytes of ``path`` at ``rev``, or None when it is not there. A full commit id
    names the same bytes forever: those are read once a process (a check reads the pushed
    benchguard.toml twice)."""
    if len(rev) == 40 and all(char in "0123456789abcdef" for char in rev):
        return _blob_of_commit(Path(repo).resolve(), rev, path)
    return _read_blob(repo, rev, path)


@functools.lru_cache(maxsize=64)
def _blob_of_commit(repo: Path, commit: str, path: str) -> bytes | None:
    return _read_blob(repo, commit, path)


def _read_blob(repo: Path, rev: str, path: str) -> bytes | None:
    git = shutil.which("git")
    if git is None:
        raise BenchguardError("git not found on PATH", exit_code=EXIT_USAGE)
    proc = subprocess.run([git, "cat-file", "blob", f"{rev}:{path}"], cwd=repo,
                          capture_output=True, env=clean_env(), check=False)
    return proc.stdout if proc.returncode == 0 else None


def blobs(repo: Path, rev: str, paths: Sequence[str]) -> dict[str, bytes]:
    """The raw bytes of each of ``paths`` at ``rev`` that is there, in one git process."""
    wanted = [path for path in dict.fromkeys(paths) if "\n" not in path]
    if not wanted:
        return {}
    git = shutil.which("git")
    if git is None:
        raise BenchguardError("git not found on PATH", exit_code=EXIT_USAGE)
    request = "".join(f"{rev}:{path}\n" for path in wanted).encode("utf-8")
    proc = subprocess.run([git, "cat-file", "--batch"], cwd=repo, input=request,
                          capture_output=True, env=clean_env(), check=False)
    found: dict[str, bytes] = {}
    data, position = proc.stdout, 0
    for path in wanted:
        end = data.find(b"\n", position)
        if end == -1:
            break
        header = data[position:end].split()
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[path] = data[position:position + size]
            position += size + 1
        elif len(header) == 3:  # a tree or a submodule: its content is skipped the same way
            position += int(header[2]) + 1
    return found


def files_containing(repo: Path, commit: str, text: str, paths: Sequence[str]) -> list[str]:
    """Which of ``paths`` hold ``text`` (a fixed string) at ``commit``, in one git process."""
    if not paths:
        return []
    proc = run(["grep", "-l", "-z", "--fixed-strings", "-e", text, commit, "--",
                *(f":(literal){path}" for path in paths)], cwd=repo, check=False)
    if proc.returncode not in (0, 1):
        raise GitError(["grep", "-l", text, commit], proc.returncode, proc.stdout, proc.stderr)
    prefix = f"{commit}:"
    return [name.removeprefix(prefix) for name in proc.stdout.split("\0") if name]


def matches(repo: Path, commit: str, pattern: str, globs: Sequence[str]
            ) -> list[tuple[str, str]]:
    """(path, text) for each match of the extended regular expression ``pattern`` in the files
    the pathspec ``globs`` name at ``commit`` ("hashing/*_test.go": that directory's own), in
    one git process."""
    if not globs:
        return []
    proc = run(["grep", "-I", "-o", "--null", "-E", "-e", pattern, commit, "--",
                *(f":(glob){glob}" for glob in globs)], cwd=repo, check=False)
    if proc.returncode not in (0, 1):
        raise GitError(["grep", "-o", pattern, commit], proc.returncode, proc.stdout,
                       proc.stderr)
    found = []
    for line in proc.stdout.splitlines():
        name, _, text = line.partition("\0")
        found.append((name.removeprefix(f"{commit}:"), text))
    return found


def short(sha: str | None) -> str:
    """A commit id as benchguard prints it."""
    return "(none)" if sha is None else sha[:12]
