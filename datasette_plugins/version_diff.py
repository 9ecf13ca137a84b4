"""A diff between any two kept versions: ``/-/terbuka/v/<dataset>/<a>..<b>/_changes``.

The rows are those a run would write to ``_changes`` had version ``a`` been its
previous publication: the same comparison (``publish/changes.py``), made on request with
version ``b``'s database opened and ``a``'s attached, both read-only — nothing copied,
nothing written. ``.json`` and ``.csv`` serve the same rows; ``change=`` and
``table_name=`` filter them; ``_size``/``_offset`` page them. The page also lists the
reasons the publications in between gave (``terbuka run --note/--answers``), read from
``b``'s ``_runs`` history. A withdrawn or pruned end answers 410 like any version.
"""

from __future__ import annotations

import json
import sqlite3
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

from terbuka.publish import changes

COLUMNS = ["table_name", "row_key", "key_kind", "change", "columns", "old", "new", "reason"]
FILTERS = ("change", "table_name")


def range_path(dataset: str, old: str, new: str, fmt: str = "") -> str:
    """The address of the diff from version ``old`` to version ``new``."""
    path = f"/-/terbuka/v/{quote(dataset)}/{quote(old)}..{quote(new)}/_changes"
    return path + (f".{fmt}" if fmt else "")


def reasons(new_db: Path, old: str, new: str) -> list[dict[str, Any]]:
    """The publications after ``old`` up to ``new`` with the reason each gave, oldest first."""
    conn = sqlite3.connect(f"file:{quote(str(new_db))}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "select run_id, record from _runs where status = 'published' "
            "and run_id > ? and run_id <= ? order by run_id",
            [old, new],
        ).fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        conn.close()
    found = []
    for run_id, text in rows:
        try:
            record = json.loads(text or "{}")
        except ValueError:
            record = {}
        found.append({"run_id": run_id, "reason": record.get("reason")})
    return found


def rows_between(
    old_db: Path, new_db: Path, keys: dict[str, list[str]], args: dict[str, str], page: slice
) -> tuple[list[dict[str, Any]], int]:
    """One page of the diff (filtered by ``args``) and how many rows match in all."""
    wanted = {k: v for k, v in args.items() if k in FILTERS}
    run_id, previous = new_db.parent.name, old_db.parent.name
    spanned = reasons(new_db, previous, run_id)
    reason = spanned[0]["reason"] if len(spanned) == 1 else None
    matching = (
        {c: row.get(c) for c in COLUMNS}
        for row in changes.between(old_db, new_db, keys, (run_id, previous, reason))
        if all(str(row.get(k)) == v for k, v in wanted.items())
    )
    selected = list(islice(matching, page.start, page.stop))
    total = (page.start or 0) + len(selected) + sum(1 for _ in matching)
    return selected, total
