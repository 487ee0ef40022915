"""The Go modules of a repository at one commit, found as the go command finds them.

Every `go.mod` in the commit's tree is a module, except below `vendor/`, `testdata/` and
directories whose name starts with `.` or `_` (which `./...` never enters either). With a
`go.work` at the root, go runs in workspace mode: only the modules it `use`s are built. Reading
the tree needs git only, never go: a push that changes no Go code runs no go command.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.tools import git

MODULE_FILES = ("go.mod", "go.sum")
WORKSPACE_FILES = ("go.work", "go.work.sum")
# Files the go command builds into a package (go list's GoFiles, CgoFiles, CFiles, CXXFiles,
# HFiles, SFiles, MFiles, FFiles, SwigFiles, SwigCXXFiles, SysoFiles), by their suffix: a change
# to one that maps to no benchmark is named as not covered. Embedded files can have any name.
SOURCE_SUFFIXES = (".go", ".s", ".S", ".sx", ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp",
                   ".hxx", ".m", ".f", ".F", ".for", ".f90", ".syso", ".swig", ".swigcxx")

_MODULE_LINE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)
# a replacement by a directory: `=> ../lib` or `=> "./lib"` (go.mod accepts only ./ and ../)
_LOCAL_REPLACEMENT = re.compile(r"=>\s*[\"`]?(\.\.?(?:/[^\s\"`]*)?)[\"`]?\s*(?://.*)?$",
                                re.MULTILINE)


@dataclass(frozen=True)
class Module:
    directory: str  # relative to the repository root, as packages are: "." or "./tools/fmtx"
    path: str  # the module path its go.mod declares; "" when it declares none
    # directories in the repository its go.mod replaces other modules with (`=> ../lib`):
    # their code is built into this module's packages
    replaces: tuple[str, ...] = ()

    @property
    def go_mod(self) -> str:
        return file_in(self.directory, "go.mod")


@dataclass(frozen=True)
class Layout:
    """The modules of one commit and which of them go builds."""

    files: frozenset[str]  # every tracked file, relative to the repository root
    modules: tuple[Module, ...]  # outermost first
    workspace: bool = False  # a go.work at the root: go runs in workspace mode
    used: frozenset[str] = frozenset()  # in workspace mode, the module directories go.work uses
    problem: str = ""  # why go cannot run in this tree (a go.work naming a missing module)
    _by_directory: dict[str, Module] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_directory.update({module.directory: module for module in self.modules})

    @property
    def built(self) -> tuple[Module, ...]:
        """The modules go builds: all of them, or in workspace mode those go.work uses."""
        return tuple(module for module in self.modules if self.builds(module))

    def builds(self, module: Module) -> bool:
        return not self.workspace or module.directory in self.used

    def module(self, directory: str) -> Module | None:
        """The module whose root is ``directory`` ("./tools/fmtx")."""
        return self._by_directory.get(directory)

    def module_of(self, path: str) -> Module | None:
        """The innermost module holding ``path``: a file ("tools/fmtx/fmt.go") or a package
        directory ("./tools/fmtx")."""
        directory = path if path == "." or path.startswith("./") else directory_of(path)
        while True:
            found = self._by_directory.get(directory)
            if found is not None or directory == ".":
                return found
            directory = parent(directory)

    def import_path(self, package: str) -> str | None:
        """The import path of the package in directory ``package`` ("./tools/fmtx")."""
        module = self.module_of(package)
        if module is None or not module.path:
            return None
        inner = within(package, module.directory)
        return module.path if inner == "." else f"{module.path}/{inner.removeprefix('./')}"

    def go_files(self, directory: str) -> list[str]:
        """The tracked .go files directly in ``directory`` ("./hashing")."""
        return self._go_files_by_directory.get(directory, [])

    @functools.cached_property
    def _go_files_by_directory(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for file in self.files:
            if file.endswith(".go"):
                found.setdefault(directory_of(file), []).append(file)
        return found

    def check(self) -> None:
        """Raise the reason go cannot run in this tree, if there is one."""
        if self.problem:
            raise BenchguardError(self.problem, exit_code=EXIT_USAGE)


def at_commit(repo: Path, commit: str) -> Layout:
    """The layout of ``commit``'s tree (not the working tree's)."""
    files = git.tracked_files(repo, commit)
    wanted = [path for path in files if _is_module_file(path) or path == "go.work"]
    contents = git.blobs(repo, commit, wanted)
    return from_files(files, contents.get, where=git.short(commit))


def in_working_tree(repo: Path) -> Layout:
    """The layout of the working tree: tracked files and new ones git does not ignore."""
    listed = git.output(["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                        cwd=repo)
    files = [path for path in dict.fromkeys(listed.split("\0")) if path
             and (repo / path).is_file()]

    def read(path: str) -> bytes | None:
        try:
            return (repo / path).read_bytes()
        except OSError:
            return None

    return from_files(files, read, where="the working tree")


def from_files(files: Iterable[str], read: Callable[[str], bytes | None], *,
               where: str) -> Layout:
    """The layout of a tree holding ``files``; ``read`` gives a file's bytes."""
    tracked = frozenset(files)
    modules = []
    for path in sorted(path for path in tracked if _is_module_file(path)):
        directory = directory_of(path)
        text = (read(path) or b"").decode("utf-8", errors="replace")
        declared = _MODULE_LINE.search(text)
        modules.append(Module(directory, declared.group(1) if declared else "",
                              _replacements(directory, text)))
    modules.sort(key=lambda module: (module.directory.count("/"), module.directory))
    if "go.work" not in tracked:
        return Layout(tracked, tuple(modules))
    text = (read("go.work") or b"").decode("utf-8", errors="replace")
    used, problem = _workspace(text, {module.directory for module in modules}, where)
    return Layout(tracked, tuple(modules), workspace=True, used=frozenset(used),
                  problem=problem)


def _is_module_file(path: str) -> bool:
    if posixpath.basename(path) != "go.mod":
        return False
    parts = path.split("/")[:-1]
    return not any(part in ("vendor", "testdata") or part.startswith((".", "_"))
                   for part in parts)


def _replacements(directory: str, text: str) -> tuple[str, ...]:
    found = []
    for match in _LOCAL_REPLACEMENT.finditer(text):
        target = posixpath.normpath(posixpath.join(directory, match.group(1)))
        if target != ".." and not target.startswith("../"):
            found.append("." if target == "." else f"./{target}")
    return tuple(dict.fromkeys(found))


def _workspace(text: str, modules: set[str], where: str) -> tuple[list[str], str]:
    """The module directories go.work uses, and a problem when it names one that is not there."""
    used: list[str] = []
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
                continue
            entry = line
        elif line.startswith("use") and line[3:4] in (" ", "\t", "("):
            entry = line[3:].strip()
            if entry == "(":
                in_block = True
                continue
        else:
            continue
        entry = entry.strip("\"`")
        if not entry:
            continue
        directory = posixpath.normpath(entry)
        if directory.startswith(("/", "../")) or directory == "..":
            continue  # outside this repository
        directory = "." if directory == "." else f"./{directory}"
        if directory not in modules:
            return used, (f"go.work:{number}: use {entry}: there is no go.mod in {directory} "
                          f"at {where}")
        used.append(directory)
    return used, ""


def within(package: str, module_directory: str) -> str:
    """``package`` ("./tools/fmtx/x") as go sees it from the root of the module in
    ``module_directory`` ("./tools/fmtx"): "./x"; "." for the module's root."""
    if package == module_directory:
        return "."
    prefix = "./" if module_directory == "." else module_directory + "/"
    return "./" + package.removeprefix(prefix)


def directory_of(path: str) -> str:
    """The package directory of a repository-relative file: "hashing/hash.go" -> "./hashing"."""
    parent_directory = posixpath.dirname(path)
    return f"./{parent_directory}" if parent_directory else "."


def parent(directory: str) -> str:
    """"./a/b" -> "./a" -> "."."""
    up = posixpath.dirname(directory.removeprefix("./"))
    return f"./{up}" if up else "."


def file_in(directory: str, name: str) -> str:
    """The repository-relative path of ``name`` in ``directory``: ("./tools", "go.mod") ->
    "tools/go.mod"."""
    return name if directory == "." else f"{directory.removeprefix('./')}/{name}"


def is_source(path: str) -> bool:
    """A file the go command compiles or links when it is in a package (SOURCE_SUFFIXES)."""
    return path.endswith(SOURCE_SUFFIXES)
