"""What the publish stage wrote about a dataset, read defensively for the plugins.

The sources are the database itself (``_runs``, ``_privacy``, ``_quality`` and
``_quarantine`` tables), the Datasette metadata (``plugins.terbuka``) and the files
beside the database (``DIR/<dataset>/run.json``, ``quality.html``). Any of them may be
missing or older than this code: each reader returns what exists and never raises.
Results are cached per database file and modification time.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from datasette.utils import resolve_env_secrets

PASSED = {1, "1", "pass", "passed", "ok", "true", "yes", "success", "quarantined"}
_CACHE: dict[tuple, dict[str, Any]] = {}
# (Datasette instance, database) -> (the metadata's block, that block resolved)
_RESOLVED: dict[tuple[int, str], tuple[Any, Any]] = {}


def config(datasette: Any, database: str | None) -> dict[str, Any] | None:
    """The ``plugins.terbuka`` block publish/site.py wrote for ``database`` (or None).

    What ``datasette.plugin_config`` gives, resolved once per block: it resolves
    ``$env``/``$file`` values by walking the whole block on every call, and
    ``render_cell`` asks for every cell (2 ms a cell, 0.7 s of a 100-row page). A
    republished dataset brings a new block (a new object), resolved again. Read-only.
    """
    if not database:
        return None
    try:
        plugins = datasette.metadata("plugins", database=database, fallback=False)
        block = plugins.get("terbuka") if isinstance(plugins, dict) else None
        key = (id(datasette), database)
        cached = _RESOLVED.get(key)
        if cached is not None and cached[0] is block:
            found = cached[1]
        else:
            found = resolve_env_secrets(block, os.environ)
            _RESOLVED[key] = (block, found)
    except Exception:
        return None
    return found if isinstance(found, dict) and found.get("dataset") else None


def folder(datasette: Any, database: str) -> Path | None:
    """``DIR``: the published folder holding ``<database>.db``."""
    db = datasette.databases.get(database)
    path = getattr(db, "path", None)
    return Path(path).parent if path else None


def _stamp(datasette: Any, database: str) -> tuple:
    db = datasette.databases.get(database)
    path = getattr(db, "path", None)
    try:
        stat = Path(path).stat() if path else None
    except OSError:
        stat = None
    return (database, path, stat.st_mtime_ns if stat else 0, stat.st_ino if stat else 0)


async def facts(datasette: Any, database: str) -> dict[str, Any]:
    """The latest run record, privacy and quality summaries, and the quality report's path."""
    key = _stamp(datasette, database)
    if key in _CACHE:
        return _CACHE[key]
    db = datasette.databases[database]
    tables = set(await db.table_names())
    stored = await _latest_record(db, tables)
    written = _run_file(datasette, database)
    # run.json is written last (it knows the package validation); use it when it is
    # the same run as the database's, otherwise trust the database.
    if written and (stored is None or written.get("run_id") == stored.get("run_id")):
        record = {**(stored or {}), **written}
    else:
        record = stored or {}
    result = {
        "tables": tables,
        "record": record,
        "privacy": await _privacy(db, tables, record),
        "quality": await _quality(db, tables, record),
        "quality_report": _quality_report(datasette, database),
    }
    for stale in [k for k in _CACHE if k[0] == database]:
        del _CACHE[stale]
    _CACHE[key] = result
    return result


async def _rows(db: Any, sql: str, params: Any = None) -> list[dict[str, Any]]:
    try:
        return [dict(r) for r in (await db.execute(sql, params or [])).rows]
    except Exception:
        return []


async def _this_run_rows(db: Any, sql: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows ``sql`` returns, only those of the record's run when the table has them."""
    rows = await _rows(db, sql)
    run_id = record.get("run_id")
    if run_id and any(r.get("run_id") == run_id for r in rows):
        return [r for r in rows if r.get("run_id") == run_id]
    return rows


async def _latest_record(db: Any, tables: set[str]) -> dict[str, Any] | None:
    if "_runs" not in tables:
        return None
    rows = await _rows(
        db,
        "select record, finished from _runs where status = 'published' "
        "order by finished desc limit 1",
    )
    try:
        record = json.loads(rows[0]["record"]) if rows and rows[0].get("record") else None
    except (ValueError, TypeError):
        return None
    if isinstance(record, dict):
        # The record is stored before the run finishes; the row knows when it did.
        record.setdefault("finished", rows[0].get("finished"))
        return record
    return None


def _run_file(datasette: Any, database: str) -> dict[str, Any] | None:
    base = folder(datasette, database)
    try:
        return json.loads((base / database / "run.json").read_text("utf-8")) if base else None
    except (OSError, ValueError):
        return None


async def _privacy(db: Any, tables: set[str], record: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{table, column, entity, operator, count}]`` for the latest run, never a value."""
    rows: list[dict[str, Any]] = []
    if "_privacy" in tables:
        rows = await _this_run_rows(db, "select * from _privacy", record)
        rows = [
            {
                "table": r.get("table_name") or r.get("table"),
                "column": r.get("column_name") or r.get("column"),
                "entity": r.get("entity"),
                "operator": r.get("operator"),
                "count": r.get("count") or 0,
            }
            for r in rows
        ]
    if not rows:
        rows = [r for r in record.get("privacy_detail") or [] if isinstance(r, dict)]
    return [r for r in rows if r.get("entity") and (r.get("count") or 0) > 0]


def summarise_privacy(rows: list[dict[str, Any]], table: str | None = None) -> list[dict]:
    """Per entity: how many values and by which operators (optionally for one table)."""
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "operators": set()})
    for row in rows:
        if table and row.get("table") != table:
            continue
        entry = totals[row["entity"]]
        entry["count"] += int(row.get("count") or 0)
        if row.get("operator"):
            entry["operators"].add(row["operator"])
    return [
        {"entity": entity, "count": v["count"], "operators": sorted(v["operators"])}
        for entity, v in sorted(totals.items(), key=lambda kv: -kv[1]["count"])
    ]


async def _quality(db: Any, tables: set[str], record: dict[str, Any]) -> dict[str, Any]:
    """A score and checks passed from ``_quality`` if present, else from the run record."""
    summary: dict[str, Any] = {"score": None, "passed": None, "total": None}
    quality = record.get("quality") if isinstance(record.get("quality"), dict) else {}
    if isinstance(quality.get("score"), int | float):
        summary["score"] = _percent(quality["score"])
    if isinstance(quality.get("checks"), int) and isinstance(quality.get("failed"), int):
        summary["total"] = quality["checks"]
        summary["passed"] = max(0, quality["checks"] - quality["failed"])
    if "_quality" in tables:
        rows = await _this_run_rows(db, "select * from _quality order by rowid", record)
        # docs/quality.md: a `score` row (its `value`), one row per flag and rule with a
        # `status`; reconciliation and completeness rows are details, not checks.
        scores = [
            r["value"]
            for r in rows
            if r.get("check_id") == "score" and isinstance(r.get("value"), int | float)
        ] or [r["score"] for r in rows if isinstance(r.get("score"), int | float)]
        if scores:
            summary["score"] = _percent(scores[-1])
        checks = [
            r
            for r in rows
            if r.get("kind", "flag") in ("flag", "rule")
            and r.get("status") not in ("skip", "info")
            and _passed(r) is not None
        ]
        if checks:
            summary["total"] = len(checks)
            summary["passed"] = sum(1 for r in checks if _passed(r))
        # The OCDS release schema could not be had (offline): the releases were not
        # validated, and the panel says so beside the (lowered) score.
        summary["ocds_not_validated"] = any(
            r.get("check_id") == "ocds-validated" and r.get("status") == "fail" for r in rows
        )
    quarantined = sum(
        t.get("quarantined", 0)
        for t in (record.get("tables") or {}).values()
        if isinstance(t, dict) and isinstance(t.get("quarantined"), int)
    )
    summary["quarantined"] = quarantined
    summary["per_table"] = {
        name: t.get("quarantined", 0)
        for name, t in (record.get("tables") or {}).items()
        if isinstance(t, dict)
    }
    return summary


def _passed(row: dict[str, Any]) -> bool | None:
    for column in ("passed", "pass", "ok", "status", "result"):
        if column in row and row[column] is not None:
            value = row[column]
            return (value.lower() if isinstance(value, str) else value) in PASSED
    return None


def _percent(value: float) -> float:
    return round(value * 100 if 0 <= value <= 1 else value, 1)


def _quality_report(datasette: Any, database: str) -> Path | None:
    base = folder(datasette, database)
    path = base / database / "quality.html" if base else None
    return path if path and path.is_file() else None
