"""Replace a dataset's publication atomically, keeping the previous ones for rollback.

Everything is built in ``DIR/.build-<run>/`` on the same file system. Publishing then
takes two renames: the database file is replaced with ``os.replace`` (atomic: Datasette
and downloads see the old file or the new one), and the dataset folder is swapped. The
replaced files move to ``DIR/.history/<dataset>/<run>/`` so a bad publication can be
rolled back; only the newest ``KEEP_HISTORY`` are kept.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .site import write_site

KEEP_HISTORY = 3
RUN_FILE = "run.json"


def build_dir(out_dir: Path, run_id: str) -> Path:
    """A fresh build folder for a run, inside the published folder's file system."""
    path = out_dir / f".build-{run_id}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def discard_build(path: Path) -> None:
    """Remove a build folder (a failed or stopped run)."""
    shutil.rmtree(path, ignore_errors=True)


def published_run_id(out_dir: Path, dataset: str) -> str | None:
    """The run id of the current publication of ``dataset``, if any."""
    record = out_dir / dataset / RUN_FILE
    if not record.exists():
        return None
    try:
        return json.loads(record.read_text("utf-8")).get("run_id")
    except ValueError:
        return None


def swap_in(build: Path, out_dir: Path, dataset: str) -> None:
    """Move a finished build into place; the previous publication goes to history."""
    new_db, new_folder = build / f"{dataset}.db", build / dataset
    old_db, old_folder = out_dir / f"{dataset}.db", out_dir / dataset
    previous = published_run_id(out_dir, dataset)
    history = out_dir / ".history" / dataset / (previous or "unknown")
    if old_db.exists() or old_folder.exists():
        history.mkdir(parents=True, exist_ok=True)
    if old_db.exists() and not (history / old_db.name).exists():
        os.link(old_db, history / old_db.name)  # the old inode survives the replace below
    os.replace(new_db, old_db)
    if old_folder.exists():
        target = history / dataset
        if target.exists():
            shutil.rmtree(target)
        os.rename(old_folder, target)
    os.rename(new_folder, old_folder)
    write_site(out_dir)
    discard_build(build)
    prune_history(out_dir, dataset)


def prune_history(out_dir: Path, dataset: str, keep: int = KEEP_HISTORY) -> None:
    """Keep only the newest ``keep`` previous publications."""
    root = out_dir / ".history" / dataset
    if not root.exists():
        return
    versions = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in versions[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def history(out_dir: Path, dataset: str) -> list[str]:
    """Run ids of the kept previous publications, oldest first."""
    root = out_dir / ".history" / dataset
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.exists() else []
