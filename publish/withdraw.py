"""Take a publication down, or roll it back to the previous good version, after a leak.

The withdrawn files leave the published folder at once (Datasette and downloads can no
longer reach them) and go to a private, owner-only folder outside it, where the
retention period of the private state applies. A rollback restores the newest version
kept in ``DIR/.history/<dataset>/`` (see ``swap.py``) with the same atomic replace a
publication uses.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .site import write_site
from .swap import history, published_run_id


class WithdrawError(ValueError):
    """Nothing to withdraw, or nothing to roll back to."""


def _private(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def withdraw(out_dir: Path, dataset: str, private: Path, rollback: bool = False) -> dict:
    """Move the current publication of ``dataset`` into ``private``; maybe restore the previous.

    Returns what happened: the withdrawn run id and, for a rollback, the restored one.
    """
    db, folder = out_dir / f"{dataset}.db", out_dir / dataset
    if not db.exists() and not folder.exists():
        raise WithdrawError(f"{out_dir}: nothing published for {dataset!r}")
    previous = history(out_dir, dataset)
    restore = out_dir / ".history" / dataset / previous[-1] if previous else None
    if rollback and (restore is None or not (restore / db.name).exists()):
        raise WithdrawError(f"{out_dir}: no previous publication of {dataset!r} to roll back to")
    withdrawn = published_run_id(out_dir, dataset) or "unknown"
    target = _private(private / dataset / withdrawn)
    if rollback and restore is not None:
        if db.exists():
            shutil.copy2(db, target / db.name)
        os.replace(restore / db.name, db)  # atomic: readers see the old file or the restored one
        if folder.exists():
            shutil.move(str(folder), str(target / dataset))
        if (restore / dataset).exists():
            os.rename(restore / dataset, folder)
        shutil.rmtree(restore, ignore_errors=True)
    else:
        if db.exists():
            shutil.move(str(db), str(target / db.name))
        if folder.exists():
            shutil.move(str(folder), str(target / dataset))
    for path in target.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    write_site(out_dir)
    return {
        "dataset": dataset,
        "withdrawn_run_id": withdrawn,
        "restored_run_id": previous[-1] if rollback else None,
        "kept_in": str(target),
    }
