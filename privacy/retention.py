"""Unredacted data at rest: owner-only, and deleted once its retention period is over.

Raw snapshots (``raw/``: fetched sources, kept by their SHA-256), staging databases,
demo sources, withdrawn publications and any private quarantine hold personal data
before redaction. They live in the private state folder, never in the published one;
each run makes them owner-only again and deletes what is older than the descriptor's
``retention_days`` (privacy.yml).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

PRIVATE_FOLDERS = ("raw", "staging", "quarantine", "withdrawn", "demo-sources")
DAY = 86_400


def purge_expired(state: Path, retention_days: int, now: float | None = None) -> dict:
    """Delete entries older than ``retention_days`` in the private folders; tighten modes.

    Returns counts for the run record: entries deleted and kept, and the retention.
    """
    now = time.time() if now is None else now
    limit = now - retention_days * DAY
    deleted = kept = 0
    for name in PRIVATE_FOLDERS:
        folder = state / name
        if not folder.is_dir():
            continue
        os.chmod(folder, 0o700)
        for entry in folder.iterdir():
            try:
                age = _newest_mtime(entry)
            except OSError:
                continue
            if age < limit:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                deleted += 1
            else:
                _owner_only(entry)
                kept += 1
    return {"retention_days": retention_days, "deleted": deleted, "kept": kept}


def _newest_mtime(entry: Path) -> float:
    if entry.is_dir() and not entry.is_symlink():
        times = [entry.stat().st_mtime]
        times += [p.stat().st_mtime for p in entry.rglob("*") if not p.is_symlink()]
        return max(times)
    return entry.lstat().st_mtime


def _owner_only(entry: Path) -> None:
    if entry.is_symlink():
        return
    if entry.is_dir():
        os.chmod(entry, 0o700)
        for path in entry.rglob("*"):
            if not path.is_symlink():
                os.chmod(path, 0o700 if path.is_dir() else 0o600)
    else:
        os.chmod(entry, 0o600)
