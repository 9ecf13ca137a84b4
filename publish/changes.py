"""What changed between the previous publication and this one, table by table.

Rows are matched by primary key: ``added`` keys are new, ``removed`` keys are gone, and
``changed`` rows kept their key but not their content. Computed in SQLite with the old
database attached, so it costs one pass per table and no memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils


def diff(
    new: sqlite_utils.Database, old_path: Path | None, keys: dict[str, list[str]]
) -> dict[str, dict[str, int]]:
    """``{table: {added, changed, removed}}``; everything is ``added`` without an old database."""
    result: dict[str, dict[str, int]] = {}
    if old_path is None or not old_path.exists():
        for table in keys:
            result[table] = {
                "added": new[table].count if table in new.table_names() else 0,
                "changed": 0,
                "removed": 0,
            }
        return result
    new.conn.execute("attach database ? as previous", [str(old_path)])
    try:
        old_tables = {
            r[0]
            for r in new.execute("select name from previous.sqlite_master where type = 'table'")
        }
        for table, pk in keys.items():
            result[table] = _diff_table(new, table, pk, table in old_tables)
    finally:
        new.conn.execute("detach database previous")
    return result


def _diff_table(
    db: sqlite_utils.Database, table: str, pk: list[str], existed: bool
) -> dict[str, int]:
    count = db[table].count
    if not existed or not pk:
        return {"added": count, "changed": 0, "removed": 0}
    new_columns = [c.name for c in db[table].columns]
    old_columns = [r[1] for r in db.execute(f"pragma previous.table_info([{table}])")]
    join = " and ".join(f"n.[{k}] = o.[{k}]" for k in pk)
    first = pk[0]
    added = _one(
        db,
        f"select count(*) from main.[{table}] n left join previous.[{table}] o on {join} where o.[{first}] is null",
    )
    removed = _one(
        db,
        f"select count(*) from previous.[{table}] o left join main.[{table}] n on {join} where n.[{first}] is null",
    )
    if new_columns != old_columns:
        changed = count - added
    else:
        columns = ", ".join(f"[{c}]" for c in new_columns)
        differing = _one(
            db,
            f"select count(*) from (select {columns} from main.[{table}] except select {columns} from previous.[{table}])",
        )
        changed = differing - added
    return {"added": added, "changed": max(changed, 0), "removed": removed}


def _one(db: sqlite_utils.Database, sql: str) -> Any:
    return db.execute(sql).fetchone()[0]
