"""Take a publication down, or roll it back to the previous good version, after a leak.

Withdrawing removes the live link (``DIR/.live/<dataset>``, see ``swap.py``) in one step:
from then on nothing in the published folder reaches the withdrawn files, and a running
``terbuka serve`` stops serving them at its next request. A rollback instead points the
link at the newest kept previous publication, with the same atomic rename a publication
uses. The withdrawn publication folder then moves to a private, owner-only folder outside
``DIR``, where the retention period of the private state applies.

A withdraw covers every kept version that holds the withdrawn data (``holding``): they
are marked gone with the withdrawn one, so their permalinks answer 410 at once, and move
out with it. Old values in ``_changes`` that came from a withdrawn version stop being
served too (``datasette_plugins/versions.py``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from . import swap, versions
from .sharing import unshare


class WithdrawError(ValueError):
    """Nothing to withdraw, or nothing to roll back to."""


def _private(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _keep_privately(folder: Path, private: Path) -> Path:
    """Move a publication folder into the private folder, owner-only."""
    target = _private(private) / folder.name
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(folder), str(target))
    os.chmod(target, 0o700)
    for path in target.rglob("*"):
        if not path.is_dir():
            unshare(path)  # a file kept versions share: owner-only applies to a copy
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return target


def finish_withdrawals(out_dir: Path, dataset: str, private: Path) -> list[str]:
    """Move publications marked as withdrawn (and no longer live) to ``private``.

    A withdraw killed after its switch leaves its folder in ``.publications/``, marked;
    the next withdraw or run finishes the move. Returns the run ids moved.
    """
    live = swap.published_run_id(out_dir, dataset)
    root = swap.publications_dir(out_dir, dataset)
    moved = []
    for marker in sorted(root.glob(".withdrawn-*")) if root.is_dir() else []:
        run_id = marker.name.removeprefix(".withdrawn-")
        if run_id == live:
            continue  # the withdraw died before its switch: still live, still marked
        if (root / run_id).is_dir():
            _keep_privately(root / run_id, private / dataset)
            moved.append(run_id)
        marker.unlink(missing_ok=True)
    return moved


def withdraw(out_dir: Path, dataset: str, private: Path, rollback: bool = False) -> dict:
    """Take the live publication of ``dataset`` down (and maybe restore the previous one).

    Returns what happened: the withdrawn run id and, for a rollback, the restored one.
    The caller holds the dataset's run lock.
    """
    if (out_dir / f"{dataset}.db").is_file() and not (out_dir / f"{dataset}.db").is_symlink():
        swap.ensure_links(out_dir, dataset)  # a folder published before .publications/
    live = swap.live_target(out_dir, dataset)
    if live is None:
        raise WithdrawError(f"{out_dir}: nothing published for {dataset!r}")
    previous = swap.history(out_dir, dataset)
    if rollback and not previous:
        raise WithdrawError(f"{out_dir}: no previous publication of {dataset!r} to roll back to")
    finish_withdrawals(out_dir, dataset, private)  # one a killed withdraw left half-done
    restored = swap.publications_dir(out_dir, dataset) / previous[-1] if rollback else None
    holders = holding(out_dir, dataset, live, restored)
    marker = swap.withdrawn_marker(out_dir, dataset, live.name)
    versions.mark_gone(out_dir, dataset, live.name, "withdrawn", "withdrawn by the publisher")
    for run_id in holders:  # 410 at once; moved out with the withdrawn one below
        versions.mark_gone(
            out_dir, dataset, run_id, "withdrawn",
            f"withdrawn by the publisher: it holds rows withdrawn with version {live.name}",
        )  # fmt: skip
        swap.withdrawn_marker(out_dir, dataset, run_id).touch()
    marker.touch()
    swap.fsync_dir(marker.parent)
    if rollback:
        swap.switch(out_dir, dataset, swap.publications_dir(out_dir, dataset) / previous[-1])
        swap.kill_point("withdraw:switched")
    else:
        swap.live_link(out_dir, dataset).unlink()
        swap.fsync_dir(swap.live_link(out_dir, dataset).parent)
        swap.kill_point("withdraw:switched")
        for name in swap.fixed_links(dataset):  # dangling now; remove so nothing lists them
            (out_dir / name).unlink(missing_ok=True)
        swap.fsync_dir(out_dir)
        swap.kill_point("withdraw:unlinked")
    target = _keep_privately(live, private / dataset)
    marker.unlink()
    finish_withdrawals(out_dir, dataset, private)  # the versions holding withdrawn rows
    return {
        "dataset": dataset,
        "withdrawn_run_id": live.name,
        "restored_run_id": previous[-1] if rollback else None,
        "also_withdrawn": holders,
        "kept_in": str(target),
    }


def holding(out_dir: Path, dataset: str, withdrawn: Path, restored: Path | None) -> list[str]:
    """The other kept versions holding any row of ``withdrawn`` that ``restored`` lacks.

    Those rows are the withdrawn data: every row of the withdrawn publication, except
    those of the version a rollback restores (the publisher vouches for it). A row is
    held when another version has a row with the same values in every column both have,
    table by table (``versions.data_tables``), compared in SQLite with the versions
    attached read-only.
    """
    tables = versions.data_tables(withdrawn, dataset)
    skip = {withdrawn.name, restored.name if restored else ""}
    others = [r for r in swap.publications(out_dir, dataset) if r not in skip]
    conn = sqlite3.connect(_uri(withdrawn / f"{dataset}.db"), uri=True)
    try:
        if restored is not None:
            conn.execute("attach database ? as restored", [_uri(restored / f"{dataset}.db")])
        root = swap.publications_dir(out_dir, dataset)
        return [
            run_id
            for run_id in others
            if _holds(conn, root / run_id / f"{dataset}.db", tables, restored is not None)
        ]
    finally:
        conn.close()


def _uri(path: Path) -> str:
    return f"file:{quote(str(path))}?mode=ro"


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma {schema}.table_info([{table}])")]


def _holds(conn: sqlite3.Connection, other: Path, tables: Iterable[str], restored: bool) -> bool:
    """Whether ``other`` has a row of ``main`` that the attached ``restored`` has not."""
    if not other.is_file():
        return False
    conn.execute("attach database ? as other", [_uri(other)])
    try:
        for table in tables:
            columns = set(_columns(conn, "main", table)) & set(_columns(conn, "other", table))
            kept = set(_columns(conn, "restored", table)) if restored else set()
            if restored and kept:
                columns &= kept
            if not columns:
                continue
            cols = ", ".join(f"[{c}]" for c in sorted(columns))
            sql = f"select {cols} from main.[{table}]"
            if restored and kept:
                sql += f" except select {cols} from restored.[{table}]"
            sql += f" intersect select {cols} from other.[{table}] limit 1"
            if conn.execute(sql).fetchone():
                return True
        return False
    finally:
        conn.execute("detach database other")
