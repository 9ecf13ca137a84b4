"""Versions share their unchanged files: a byte-identical file becomes a hard link.

A new publication folder is compared, file by file, with the live one just before it
is swapped in (``swap.swap_in``). A file with the same relative path and the same bytes
(the CSV of an unchanged table, an unchanged schema) is replaced by a hard link to the
previous version's file, so keeping many versions costs only what changed. Across file
systems (or where links are refused) the copy simply stays.

This is safe because a publication folder never changes once built: nothing writes into
it after the swap, every writer replaces files by rename, and a withdraw copies a shared
file before it makes it owner-only (``withdraw._keep_privately``).
"""

from __future__ import annotations

import errno
import filecmp
import os
from pathlib import Path


def share_unchanged(build: Path, previous: Path | None) -> dict[str, int]:
    """Hard-link the files of ``build`` that are byte-identical to ``previous``'s.

    Returns ``{"files": n, "bytes": b}``: how many files (and bytes) are now shared.
    """
    shared = {"files": 0, "bytes": 0}
    if previous is None or not previous.is_dir():
        return shared
    for path in sorted(build.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        old = previous / path.relative_to(build)
        if not _identical(path, old):
            continue
        if _link_over(old, path):
            shared["files"] += 1
            shared["bytes"] += path.stat().st_size
    return shared


def _identical(new: Path, old: Path) -> bool:
    """Same size and the same bytes (a regular file on both sides)."""
    if old.is_symlink() or not old.is_file():
        return False
    if os.path.samefile(new, old):
        return False  # already one file
    return new.stat().st_size == old.stat().st_size and filecmp.cmp(new, old, shallow=False)


def _link_over(old: Path, path: Path) -> bool:
    """Replace ``path`` by a hard link to ``old`` (atomic rename); False where not possible."""
    tmp = path.with_name(f".{path.name}.share-tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(old, tmp)
    except OSError as error:
        if error.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            return False  # another file system, or links refused: keep the copy
        raise
    os.replace(tmp, path)
    return True


def unshare(path: Path) -> None:
    """Give ``path`` its own copy if other versions share it, before its mode changes."""
    if path.is_symlink() or not path.is_file() or path.stat().st_nlink < 2:
        return
    tmp = path.with_name(f".{path.name}.unshare-tmp")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(tmp, path)
