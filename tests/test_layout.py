"""The shape of the package (issue 19, docs/design.md): rooms a reader can hold, imports at the
top. The layering itself is lint-imports' (pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "benchguard"
LONGEST_CLASS = 250
LONGEST_FUNCTION = 50
# the package's deliberate lazy imports: commands.load and benchguard.libraries
LAZY = {"commands/__init__.py", "libraries.py"}


def modules() -> list[tuple[str, ast.Module]]:
    return [(str(path.relative_to(PACKAGE)), ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(PACKAGE.rglob("*.py"))]


def test_no_class_is_longer_than_250_lines_and_no_function_than_50() -> None:
    too_long = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                limit = LONGEST_CLASS
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                limit = LONGEST_FUNCTION
            else:
                continue
            if node.end_lineno is not None and node.end_lineno - node.lineno + 1 > limit:
                too_long.append(f"{name}:{node.lineno} {node.name} "
                                f"({node.end_lineno - node.lineno + 1} lines)")
    assert too_long == []


def test_every_import_is_at_the_top_of_its_module() -> None:
    inside = []
    for name, tree in modules():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    inside.append(f"{name}:{node.lineno}")
    assert inside == []
    lazy = [name for name, tree in modules()
            if any(isinstance(node, ast.Attribute) and node.attr == "import_module"
                   for node in ast.walk(tree))]
    assert set(lazy) <= LAZY, lazy
