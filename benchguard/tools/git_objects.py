"""git's object database read and written in process (pygit2): the notes tree of a commit, the
first-parent walk, a new notes commit. One tree lookup instead of a git process per note; every
git *command* still goes through benchguard.tools.git.

pygit2 takes ~40 ms to import, which a push that changes no Go code must not pay: it is loaded
on first use (benchguard.libraries; ``preload`` starts it on another core while `go list`
runs)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchguard import libraries
from benchguard.errors import BenchguardError


def preload() -> None:
    """Import pygit2 on another thread, so it is ready when the notes are read."""
    threading.Thread(target=libraries.pygit2, daemon=True).start()


class Repository:
    """One repository's objects."""

    def __init__(self, path: Path) -> None:
        pygit2 = libraries.pygit2()
        self.path = Path(path)
        try:
            self._git = pygit2.Repository(str(path))
        except pygit2.GitError as error:
            raise BenchguardError(f"{path}: cannot open the git repository ({error})") from None

    def commit_id(self, rev: str) -> str | None:
        """The full id of the commit ``rev`` names; None when it names none."""
        pygit2 = libraries.pygit2()
        try:
            return str(self._git.revparse_single(rev).peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError):
            return None

    def ref_target(self, ref: str) -> str | None:
        """The commit ``ref`` points at (symbolic refs followed); None when it does not exist."""
        reference = self._git.references.get(ref)
        return None if reference is None else str(reference.resolve().target)

    def first_parents(self, commit: str, limit: int) -> Iterator[str]:
        """``commit`` and its first-parent ancestors, nearest first, at most ``limit``; nothing
        when ``commit`` is unknown."""
        start = self.commit_id(commit)
        if start is None:
            return
        walker = self._git.walk(start, libraries.pygit2().enums.SortMode.TOPOLOGICAL)
        walker.simplify_first_parent()
        for found in itertools.islice(walker, limit):
            yield str(found.id)

    def note_text(self, notes_commit: str, sha: str) -> str | None:
        """The note on ``sha`` in the notes commit ``notes_commit``: flat (`abcd…`) or under
        git's fan-out (`ab/cd…`); None when there is none. ValueError when ``notes_commit`` is
        not a commit with a tree."""
        tree = self._tree_of(notes_commit)
        blob = _find_note(tree, sha)
        return None if blob is None else blob.data.decode("utf-8", errors="replace")

    def notes_commit(self, old: str | None, sha: str, text: str, message: str) -> str:
        """A new notes commit on top of ``old`` (None: the first) whose note on ``sha`` is
        ``text``; refs are not moved (the caller moves its ref with compare-and-swap). OSError
        when the object database cannot be written."""
        pygit2 = libraries.pygit2()
        try:
            blob = self._git.create_blob(text.encode("utf-8"))
            old_tree = self._tree_of(old) if old else None
            tree = _insert(self._git, old_tree, sha, blob)
            signature = self._signature()
            parents = [pygit2.Oid(hex=old)] if old else []
            return str(self._git.create_commit(None, signature, signature, message, tree,
                                               parents))
        except pygit2.GitError as error:
            raise OSError(str(error)) from None

    def _tree_of(self, commit: str) -> Any:
        pygit2 = libraries.pygit2()
        try:
            return self._git[commit].peel(pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError):
            raise ValueError(f"{commit[:12]} is not a commit") from None

    def _signature(self) -> Any:
        pygit2 = libraries.pygit2()
        try:
            return self._git.default_signature
        except (KeyError, pygit2.GitError):
            return pygit2.Signature("benchguard", "benchguard@localhost")


def _entry(tree: Any, name: str) -> Any:
    try:
        return tree[name]
    except KeyError:
        return None


def _find_note(tree: Any, sha: str) -> Any:
    """The note blob for ``sha``, flat or under git's fan-out (`ab/cd…`, `ab/cd/ef…`)."""
    pygit2 = libraries.pygit2()
    rest = sha
    while rest:
        found = _entry(tree, rest)
        if found is not None:
            return found if isinstance(found, pygit2.Blob) else None
        subtree = _entry(tree, rest[:2])
        if not isinstance(subtree, pygit2.Tree):
            return None
        tree, rest = subtree, rest[2:]
    return None


def _insert(repo: Any, tree: Any, rest: str, blob: Any) -> Any:
    """``tree`` with the note for ``rest`` set to ``blob``: replaced where it already is, else
    placed at the fan-out depth the tree already uses (as git does)."""
    pygit2 = libraries.pygit2()
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    if tree is not None and _entry(tree, rest) is None:
        prefix = rest[:2]
        subtree = _entry(tree, prefix)
        uses_fanout = isinstance(subtree, pygit2.Tree) or any(
            len(entry.name or "") == 2 and entry.type_str == "tree" for entry in tree)
        if uses_fanout and (subtree is None or isinstance(subtree, pygit2.Tree)):
            inner = _insert(repo, subtree, rest[2:], blob)
            builder.insert(prefix, inner, pygit2.GIT_FILEMODE_TREE)
            return builder.write()
    builder.insert(rest, blob, pygit2.GIT_FILEMODE_BLOB)
    return builder.write()
