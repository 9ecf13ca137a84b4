"""Build the published SQLite database with sqlite-utils.

Tables are created from their Table Schemas (column order, types, primary and foreign
keys) before any row arrives, so an empty table still has the right shape. After the
rows: indexes on facet columns (a faceted request on a million rows goes from a second to
tens of milliseconds), full-text search on text columns, and ``ANALYZE``.
"""

from __future__ import annotations

import datetime
import decimal
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import sqlite_utils

SQLITE_TYPES = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": int,
    "datetime": str,
    "date": str,
    "time": str,
    "year": int,
    "object": str,
    "array": str,
    "any": str,
}
INSERT_BATCH = 1000

# What a quarantined row and a quality note share: the row, the check and the value.
FINDING_COLUMNS = {
    "run_id": str, "table_name": str, "row_key": str, "check_id": str, "column_name": str,
    "value": str,
}  # fmt: skip
QUARANTINE_COLUMNS = {**FINDING_COLUMNS, "reason": str, "row": str, "source": str, "position": int}
NOTES_COLUMNS = {**FINDING_COLUMNS, "message": str, "severity": str}
PRIVACY_COLUMNS = {
    "run_id": str, "table_name": str, "column_name": str, "entity": str, "operator": str,
    "count": int,
}  # fmt: skip
RUNS_COLUMNS = {
    "run_id": str, "dataset": str, "status": str, "started": str, "finished": str,
    "inputs": int, "rows": int, "quarantined": int, "record": str,
}  # fmt: skip
# One row per quality finding of the run (see docs/quality.md): the score, each flag,
# each rule, each table's reconciliation and each column's completeness.
QUALITY_COLUMNS = {
    "run_id": str, "check_id": str, "kind": str, "table_name": str, "column_name": str,
    "status": str, "action": str, "value": float, "title": str, "message": str,
}  # fmt: skip
# One row per row added, changed or removed since the previous publication (changes.py).
CHANGES_COLUMNS = {
    "run_id": str, "previous_run_id": str, "table_name": str, "row_key": str, "key_kind": str,
    "change": str, "columns": str, "old": str, "new": str, "reason": str,
}  # fmt: skip
SYSTEM_TABLES = {
    "_quarantine": QUARANTINE_COLUMNS,
    "_quality_notes": NOTES_COLUMNS,
    "_privacy": PRIVACY_COLUMNS,
    "_runs": RUNS_COLUMNS,
    "_quality": QUALITY_COLUMNS,
    "_changes": CHANGES_COLUMNS,
}


def open_database(path: Path) -> sqlite_utils.Database:
    """A database tuned for a one-off bulk build (no journal to fsync).

    Sorts for indexes and GROUP BY stay in temporary files (SQLite's default), so memory
    does not grow with the table.
    """
    db = sqlite_utils.Database(path)
    db.execute("pragma journal_mode = off")
    db.execute("pragma synchronous = off")
    db.execute("pragma cache_size = -65536")
    return db


def create_tables(db: sqlite_utils.Database, schemas: dict[str, dict]) -> None:
    """Create every table from its (published) Table Schema, plus the system tables."""
    for table, schema in schemas.items():
        columns = {
            f["name"]: SQLITE_TYPES.get(f.get("type", "string"), str) for f in schema["fields"]
        }
        foreign_keys = []
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"]
            reference = fk["reference"]
            if isinstance(fields, str) and reference.get("resource") in db.table_names():
                foreign_keys.append((fields, reference["resource"], reference["fields"]))
        db[table].create(
            columns,
            pk=schema.get("primaryKey") or None,
            foreign_keys=foreign_keys or None,
            if_not_exists=True,
        )
    for table, columns in SYSTEM_TABLES.items():
        db[table].create(columns, if_not_exists=True)


class Writer:
    """Inserts rows batch by batch; a duplicate key sends just that row back to quarantine."""

    def __init__(self, db: sqlite_utils.Database, schemas: dict[str, dict]):
        self.db = db
        self.columns = {t: [f["name"] for f in s["fields"]] for t, s in schemas.items()}
        self.rows = dict.fromkeys(schemas, 0)

    def insert(self, table: str, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        """Insert rows; return ``(row, reason)`` for those rejected by a key constraint."""
        if not rows:
            return []
        columns = self.columns[table]
        # The table exists with these columns (create_tables) and every cell is already
        # SQLite-ready (_cell): one prepared statement for the batch, none of insert_all's
        # per-row query building (a third of the runner's serial time on large runs).
        prepared = [
            tuple([v if v.__class__ in _STORED_AS_IS else _cell(v) for v in map(row.get, columns)])
            for row in rows
        ]
        sql = _insert_sql(table, columns)
        try:
            with self.db.conn:
                self.db.conn.executemany(sql, prepared)
            self.rows[table] += len(prepared)
            return []
        except sqlite3.IntegrityError:
            pass  # rolled back: row by row, to send back only the rows the keys reject
        rejected = []
        with self.db.conn:
            for row, values in zip(rows, prepared, strict=True):
                try:
                    self.db.conn.execute(sql, values)
                    self.rows[table] += 1
                except sqlite3.IntegrityError as error:
                    rejected.append((row, str(error)))
        return rejected

    def system(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Append rows to a system table (``_quarantine``, ``_quality_notes``, ...)."""
        if rows:
            columns = SYSTEM_TABLES[table]
            with self.db.conn:
                self.db[table].insert_all(
                    ({c: _cell(r.get(c)) for c in columns} for r in rows), batch_size=INSERT_BATCH
                )


def _insert_sql(table: str, columns: list[str]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"insert into [{table}] ({names}) values ({', '.join('?' for _ in columns)})"


# Values SQLite stores unchanged (``bool`` is not among them: it becomes 0 or 1).
_STORED_AS_IS = frozenset({str, int, float, type(None)})


def _cell(value: Any) -> Any:
    """A value as SQLite stores it; the conversions sqlite-utils' ``insert_all`` makes."""
    if isinstance(value, str | int | float | None):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, dict | list | tuple):  # compact: stored in the database and the CSV
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, datetime.timedelta | uuid.UUID):
        return str(value)
    return value


def finish(
    db: sqlite_utils.Database, tables: dict[str, dict], columns: dict[str, list[str]]
) -> None:
    """Indexes for facets and sorting, full-text search, statistics for the planner."""
    for table, settings in tables.items():
        if table not in db.table_names():
            continue
        present = set(columns.get(table) or db[table].columns_dict)
        key_index = db[table].pks[0]  # the primary key's own index already serves its first column
        for column in [
            *settings.get("facets", []),
            settings.get("sort_desc"),
            settings.get("sort"),
        ]:
            if column and column in present and column != key_index:
                db[table].create_index([column], if_not_exists=True)
        fts = [c for c in settings.get("fts", []) if c in present]
        if fts:
            db[table].enable_fts(fts, create_triggers=False, replace=True)
    for table, index in (("_quarantine", "table_name"), ("_quality_notes", "check_id")):
        db[table].create_index([index], if_not_exists=True)
    db.execute("analyze")
    db.conn.commit()


def create_views(db: sqlite_utils.Database, views: dict[str, dict]) -> None:
    """The descriptor's ``views``: saved joins (plan → payment) readers query like tables."""
    for name, view in views.items():
        db.create_view(name, view["sql"], replace=True)
    db.conn.commit()
