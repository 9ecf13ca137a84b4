"""The folder dependency rule of docs/architecture.md, checked from the imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("pipelines", "privacy", "publish", "catalogs", "datasette_plugins", "metadata")
# Which other folders each folder may import (its own always).
ALLOWED = {
    "pipelines": set(FOLDERS),
    "privacy": {"metadata"},
    "publish": {"metadata"},
    "catalogs": {"metadata"},
    "datasette_plugins": {"catalogs", "metadata", "publish"},  # publish: its read-only readers
    "metadata": set(),
}


def imported_folders(source: str, package: list[str]) -> set[tuple[str, int]]:
    """(folder, line) for every terbuka import in a module, at any depth, relative or not.

    ``package`` is the module's package inside ``terbuka``: ``["privacy", "recognizers"]``.
    """
    package = ["terbuka", *package]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)]
            assert base, f"line {node.lineno}: relative import beyond terbuka"
            target = base[1] if len(base) > 1 else (node.module or "").split(".")[0]
            found.add((target, node.lineno))
            continue
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "terbuka" and len(parts) > 1:
                found.add((parts[1], node.lineno))
            elif parts[0] in FOLDERS:
                found.add((parts[0], node.lineno))  # a bare top-level import: never allowed
    return found


@pytest.mark.parametrize("folder", FOLDERS)
def test_dependencies_point_one_way(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    wrong = []
    for path in files:
        package = [folder, *path.relative_to(ROOT / folder).parent.parts]
        for target, line in imported_folders(path.read_text("utf-8"), package):
            if target != folder and target not in ALLOWED[folder]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_every_kind_of_import():
    sample = (
        "from terbuka.pipelines import runner\n"
        "from ...publish import swap\n"
        "from ..analyzer import x\n"
        "def f():\n    import terbuka.catalogs.ckan\n"
    )
    targets = {t for t, _ in imported_folders(sample, ["privacy", "recognizers"])}
    assert targets == {"pipelines", "publish", "privacy", "catalogs"}


def module_graph() -> dict[str, set[str]]:
    """terbuka's modules (``privacy.recognizers.base``) and the modules each imports."""
    modules = {}
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            parts = [folder, *path.relative_to(ROOT / folder).with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = (path, is_package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        package = name.split(".") if is_package else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name.removeprefix("terbuka.") for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - (node.level - 1)]
                    stem = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    stem = (node.module or "").removeprefix("terbuka.")
                # ``from . import ocds`` imports the submodule; ``from .x import name`` x.
                targets = [
                    f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem
                    for a in node.names
                ]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others():
    graph = module_graph()
    assert "catalogs.ocds" in graph["catalogs.mapping"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


MAX_FUNCTION_LINES = 60
# Functions still longer than that, to be split; the list may only shrink: a function
# that grows past the limit fails, and so does one listed here that no longer needs to be.
LONG_FUNCTIONS: set[str] = set()  # empty: keep it so


def long_functions() -> dict[str, int]:
    """Every function or method of the package longer than the limit, with its length."""
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found[f"{path.relative_to(ROOT).as_posix()}::{node.name}"] = length
    return found


def test_no_function_grows_past_sixty_lines():
    found = long_functions()
    grown = {name: length for name, length in found.items() if name not in LONG_FUNCTIONS}
    assert grown == {}, f"split these (at most {MAX_FUNCTION_LINES} lines): {grown}"
    assert sorted(LONG_FUNCTIONS - set(found)) == [], "split already: take them off the list"


def test_the_length_check_sees_methods_and_nested_functions():
    source = "class A:\n    def f(self):\n        def g():\n" + "            x = 1\n" * 61
    lengths = [
        node.end_lineno - node.lineno + 1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    ]
    assert sorted(lengths) == [62, 63]
