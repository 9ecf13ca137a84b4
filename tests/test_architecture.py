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
    "datasette_plugins": {"catalogs", "metadata"},
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
