"""What a run published for one dataset, read back from the published folder.

Catalogs describe what was *published*, not what a descriptor says today: a CKAN entry,
the embedded catalog API and DCAT are all built from the files a run left in
``DIR/<dataset>/`` (``dataset.json``, ``run.json``, ``datapackage.json``) and the database
beside them. ``dataset.json`` is the descriptor as it was when the run published; the
runner writes it with :func:`write_snapshot`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terbuka.metadata import Licence, get_licence, localized

SNAPSHOT_FILE = "dataset.json"
RUN_FILE = "run.json"
PACKAGE_FILE = "datapackage.json"
# The descriptor keys a catalog entry is made of (layouts, queries and the like are not).
SNAPSHOT_KEYS = (
    "name", "title", "description", "license", "publisher", "source", "update_frequency",
    "keywords", "language", "version", "temporal", "spatial", "ocds",
)  # fmt: skip


class CatalogError(Exception):
    """A catalog could not be published or read; the message is one line for the user.

    ``exit_code`` follows the CLI's table: 2 when the user must fix something (a token, a
    missing publication, a rejected field), 3 when trying again later may work (the
    catalog was unreachable, failed, or changed under us: a fault of the environment).
    """

    def __init__(self, message: str, exit_code: int = 3):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass
class Published:
    """One published dataset: its descriptor snapshot, last run record and data package."""

    out_dir: Path
    name: str
    descriptor: dict[str, Any]
    run: dict[str, Any]
    package: dict[str, Any]

    @property
    def folder(self) -> Path:
        """``DIR/<dataset>/``: data package, CSVs, run record."""
        return self.out_dir / self.name

    @property
    def db_path(self) -> Path:
        """``DIR/<dataset>.db``: the SQLite database Datasette serves."""
        return self.out_dir / f"{self.name}.db"

    @property
    def licence(self) -> Licence:
        """The licence from the registry (the SPDX id was validated when the run loaded it)."""
        return get_licence(self.descriptor["license"])

    @property
    def publisher(self) -> dict[str, str]:
        """``name``, ``url``, ``email`` of the publishing agency."""
        return self.descriptor.get("publisher") or {}

    def text(self, key: str, lang: str = "id") -> str:
        """A descriptor text in ``lang`` (falling back to any language given)."""
        return localized(self.descriptor.get(key), lang)

    @property
    def tables(self) -> list[dict[str, Any]]:
        """The data package's resources (one per published table, system tables last)."""
        return list(self.package.get("resources", []))

    @property
    def has_ocds(self) -> bool:
        """Whether compiled OCDS releases were published (procurement-like datasets)."""
        return bool(self.descriptor.get("ocds")) and any(
            t["name"] == "compiled_releases"
            and any(f["name"] == "release" for f in t.get("schema", {}).get("fields", []))
            for t in self.tables
        )


def snapshot(descriptor: Any) -> dict[str, Any]:
    """The catalog-relevant part of a descriptor, with table titles and descriptions."""
    data = {key: descriptor.data[key] for key in SNAPSHOT_KEYS if key in descriptor.data}
    data["tables"] = {
        table: {k: v for k, v in settings.items() if k in ("title", "description")}
        for table, settings in descriptor.tables.items()
    }
    return data


def write_snapshot(descriptor: Any, folder: Path) -> Path:
    """Write ``dataset.json`` beside the data package (called by the runner before the swap)."""
    path = folder / SNAPSHOT_FILE
    write_json(path, snapshot(descriptor))
    return path


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: missing", exit_code=2) from None
    except (OSError, ValueError) as error:
        raise CatalogError(f"{path}: unreadable: {error}", exit_code=2) from None


def load_published(out_dir: Path, name: str) -> Published:
    """Read what the last successful run of ``name`` published in ``out_dir``."""
    out_dir = Path(out_dir)
    folder = out_dir / name
    if not (out_dir / f"{name}.db").exists() or not (folder / RUN_FILE).exists():
        known = ", ".join(list_published(out_dir)) or "none"
        raise CatalogError(
            f"{out_dir}: dataset {name!r} is not published here (published: {known})", exit_code=2
        )
    if not (folder / SNAPSHOT_FILE).exists():
        raise CatalogError(
            f"{folder}: no {SNAPSHOT_FILE} (published by an older terbuka); "
            f"run `terbuka run {name} … --force` once to write it",
            exit_code=2,
        )
    return Published(
        out_dir=out_dir,
        name=name,
        descriptor=_read_json(folder / SNAPSHOT_FILE),
        run=_read_json(folder / RUN_FILE),
        package=_read_json(folder / PACKAGE_FILE),
    )


def list_published(out_dir: Path) -> list[str]:
    """Names of the datasets published in ``out_dir`` (a database and a run record each)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    return sorted(p.stem for p in out_dir.glob("*.db") if (out_dir / p.stem / RUN_FILE).exists())
