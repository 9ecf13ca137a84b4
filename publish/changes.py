"""What changed between the previous publication and this one, table by table.

Rows are matched by primary key: ``added`` keys are new, ``removed`` keys are gone, and
``changed`` rows kept their key but not their content. Computed in SQLite with the old
database attached, so it costs one pass per table and no memory.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


# --- row-level changes: the ``_changes`` table --------------------------------------------

CHANGE_KINDS = ("added", "changed", "removed")
ROW_HASH = "row hash"
PRIMARY_KEY = "primary key"


def row_changes(
    new: sqlite_utils.Database,
    old_path: Path | None,
    keys: dict[str, list[str]],
    run_id: str,
    previous_run_id: str | None,
    reason: str | None = None,
) -> dict[str, dict[str, int]]:
    """Write every added, removed and changed row since the previous publication to ``_changes``.

    Rows are matched by the table's primary key; a table without one is compared by row
    hash (a changed row there is one ``removed`` and one ``added``). Only values this
    publication publishes are written (each with the run's ``reason``: its note, the
    reader's report it answers): old values of a column the current publication
    no longer has are left out, so a privacy policy that now drops a column never
    republishes it through the diff. The first publication has no ``_changes`` rows.
    Returns the counts per table, ``{table: {added, changed, removed}}``.
    """
    if old_path is None or not old_path.exists():
        return diff(new, None, keys)
    new.conn.execute("attach database ? as previous", [str(old_path)])
    result: dict[str, dict[str, int]] = {}
    try:
        old_tables = {
            r[0]
            for r in new.execute("select name from previous.sqlite_master where type = 'table'")
        }
        context = (run_id, previous_run_id, reason)
        for table, pk in keys.items():
            if table not in new.table_names():
                continue
            result[table] = _table_changes(new, table, pk, table in old_tables, context)
    finally:
        new.conn.commit()
        new.conn.execute("detach database previous")
    return result


def table_rows(
    db: sqlite_utils.Database, table: str, pk: list[str], existed: bool, context: tuple
) -> Iterator[dict[str, Any]]:
    """The ``_changes`` rows of one table: ``main`` compared with the attached ``previous``."""
    columns = [c.name for c in db[table].columns]
    old_columns = {r[1] for r in db.execute(f"pragma previous.table_info([{table}])")}
    common = [c for c in columns if c in old_columns] if existed else []
    if not existed or not all(k in common for k in pk):  # nothing to match rows with
        return _rows(
            db, _every_row("main", table, [*pk, *columns]), table, columns, pk, "added", context
        )
    if pk:
        return _by_key(db, table, columns, common, pk, context)
    return _by_hash(db, table, columns, common, context)


def between(
    old_path: Path, new_path: Path, keys: dict[str, list[str]], context: tuple
) -> Iterator[dict[str, Any]]:
    """The ``_changes`` rows from one kept publication to another, both opened read-only.

    The same comparison a run makes against its previous publication, computed on
    demand: ``new_path`` is opened and ``old_path`` attached, neither copied nor written.
    ``context`` is ``(run_id, previous_run_id, reason)`` as in ``row_changes``.
    """
    conn = sqlite3.connect(f"file:{quote(str(new_path))}?mode=ro", uri=True)
    try:
        conn.execute("attach database ? as previous", [f"file:{quote(str(old_path))}?mode=ro"])
        db = sqlite_utils.Database(conn)
        tables = set(db.table_names())
        old_tables = {
            r[0]
            for r in conn.execute("select name from previous.sqlite_master where type = 'table'")
        }
        for table, pk in keys.items():
            if table in tables:
                yield from table_rows(db, table, pk, table in old_tables, context)
    finally:
        conn.close()


def _table_changes(
    db: sqlite_utils.Database, table: str, pk: list[str], existed: bool, context: tuple
) -> dict[str, int]:
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    batch = []
    for row in table_rows(db, table, pk, existed, context):
        counts[row["change"]] += 1
        batch.append(row)
        if len(batch) >= 1000:
            db["_changes"].insert_all(batch)
            batch = []
    if batch:
        db["_changes"].insert_all(batch)
    return counts


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _key(values: tuple, pk_len: int, row: tuple) -> str:
    """A row's key as text: its primary-key value(s), or the hash of the whole row."""
    if not pk_len:
        return hashlib.sha256(_dumps(list(row)).encode("utf-8")).hexdigest()
    return str(values[0]) if pk_len == 1 else _dumps(list(values[:pk_len]))


def _change(context: tuple, table: str, key: str, kind: str, how: str, **values: Any) -> dict:
    run_id, previous, reason = (*context, None)[:3]
    return {
        "run_id": run_id,
        "previous_run_id": previous,
        "reason": reason,
        "table_name": table,
        "row_key": key,
        "key_kind": how,
        "change": kind,
        "columns": values.get("columns"),
        "old": values.get("old"),
        "new": values.get("new"),
    }


def _cols(alias: str, columns: list[str]) -> str:
    return ", ".join(f"{alias}.[{c}]" for c in columns)


def _rows(
    db: sqlite_utils.Database,
    sql: str,
    table: str,
    columns: list[str],
    pk: list[str],
    kind: str,
    context: tuple,
) -> Iterator[dict[str, Any]]:
    """Whole rows as ``kind`` (added: their new values; removed: their old values).

    ``sql`` selects the primary-key columns first, then ``columns``.
    """
    how = PRIMARY_KEY if pk else ROW_HASH
    for values in db.execute(sql):
        row = values[len(pk) :]
        data = _dumps(dict(zip(columns, row, strict=True)))
        side = {"new": data} if kind == "added" else {"old": data}
        yield _change(context, table, _key(values, len(pk), row), kind, how, **side)


def _by_key(
    db: sqlite_utils.Database,
    table: str,
    columns: list[str],
    common: list[str],
    pk: list[str],
    context: tuple,
) -> Iterator[dict[str, Any]]:
    join = " and ".join(f"n.[{k}] = o.[{k}]" for k in pk)
    keys = _cols("n", pk)
    added = _unmatched("main", "previous", table, pk, columns, join)
    yield from _rows(db, added, table, columns, pk, "added", context)
    compared = [c for c in common if c not in pk]
    if compared:
        differs = " or ".join(f"n.[{c}] is not o.[{c}]" for c in compared)
        sql = (
            f"select {keys}, {_cols('n', compared)}, {_cols('o', compared)} "
            f"from main.[{table}] n join previous.[{table}] o on {join} where {differs}"
        )
        width = len(compared)
        for values in db.execute(sql):
            new = values[len(pk) : len(pk) + width]
            old = values[len(pk) + width :]
            changed = [(c, o, n) for c, n, o in zip(compared, new, old, strict=True) if n != o]
            yield _change(
                context, table, _key(values, len(pk), ()), "changed", PRIMARY_KEY,
                columns=_dumps([c for c, _, _ in changed]),
                old=_dumps({c: o for c, o, _ in changed}),
                new=_dumps({c: n for c, _, n in changed}),
            )  # fmt: skip
    removed = _unmatched("previous", "main", table, pk, common, join)
    yield from _rows(db, removed, table, common, pk, "removed", context)


def _unmatched(
    this: str, that: str, table: str, pk: list[str], columns: list[str], join: str
) -> str:
    """The SQL selecting the key and ``columns`` of the rows of ``this`` whose key ``that`` lacks.

    ``main`` is aliased ``n`` (new) and ``previous`` ``o`` (old), as ``join`` names them.
    """
    alias, other = ("n", "o") if this == "main" else ("o", "n")
    return (
        f"select {_cols(alias, pk)}, {_cols(alias, columns)} from {this}.[{table}] {alias} "
        f"where not exists (select 1 from {that}.[{table}] {other} where {join})"
    )


def _by_hash(
    db: sqlite_utils.Database,
    table: str,
    columns: list[str],
    common: list[str],
    context: tuple,
) -> Iterator[dict[str, Any]]:
    """A keyless table: rows present in one publication and not the other, by content.

    Compared as sets (SQL ``except``): a row repeated in both counts once.
    """
    if common != columns:  # a column added or removed: every row's content differs
        yield from _rows(
            db, _every_row("main", table, columns), table, columns, [], "added", context
        )
        yield from _rows(
            db, _every_row("previous", table, common), table, common, [], "removed", context
        )
        return
    cols = ", ".join(f"[{c}]" for c in columns)
    for kind, this, that in (("added", "main", "previous"), ("removed", "previous", "main")):
        sql = f"select {cols} from {this}.[{table}] except select {cols} from {that}.[{table}]"
        yield from _rows(db, sql, table, columns, [], kind, context)


def _every_row(schema: str, table: str, columns: list[str]) -> str:
    """The SQL selecting ``columns`` of every row of ``schema.table``."""
    return f"select {', '.join(f'[{c}]' for c in columns)} from {schema}.[{table}]"
