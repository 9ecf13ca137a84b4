"""Each published table in CKAN's DataStore, so CKAN's preview and ``datastore_search`` work.

A table's CSV resource gets a DataStore table with the Table Schema's types and primary
key (``datastore_create``, which also takes the first chunk of rows, so a table of up to
``CHUNK`` rows costs one call); its rows come from the published SQLite database, and any
further chunks go with ``datastore_upsert``. Every DataStore row carries a hash of its values
(``terbuka_row_sha256``), so a later publication sends only the rows that were added or
changed and deletes those that are gone: an unchanged table costs one read, no write.
A table without a primary key is replaced whole when its file changed. A changed set of
columns or types recreates the DataStore table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROW_HASH = "terbuka_row_sha256"  # DataStore column names may not start with _
CHUNK = 2000
PAGE = 10000
DELETE_BATCH = 500  # key values per datastore_delete call
# Table Schema type -> DataStore (PostgreSQL) type; anything else is text.
TYPES = {
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "year": "int4",
}

Call = Callable[[str, dict[str, Any]], Any]


def datastore_fields(schema: dict[str, Any]) -> list[dict[str, str]]:
    """The DataStore columns of a table: its Table Schema's, plus the row hash."""
    fields = [
        {"id": f["name"], "type": TYPES.get(f.get("type", "string"), "text")}
        for f in schema["fields"]
    ]
    return [*fields, {"id": ROW_HASH, "type": "text"}]


def push_table(
    call: Call,
    resource: dict[str, Any],
    table: dict[str, Any],
    db_path: Path,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, int]:
    """Bring the DataStore table of ``resource`` up to date with the published ``table``."""
    schema = table["schema"]
    keys = list(schema.get("primaryKey") or [])
    wanted = datastore_fields(schema)
    resource_id = resource["id"]
    rows = list(_published_rows(db_path, table["name"], schema))
    current = _current_fields(call, resource_id) if resource.get("datastore_active") else None
    if not keys:  # nothing to compare rows by: the whole table, when anything changed
        stored = (
            [h for _, h in _stored_hashes(call, resource_id, [])] if current == wanted else None
        )
        if stored is not None and sorted(stored) == sorted(r[ROW_HASH] for _, r in rows):
            return {"rows": len(rows), "upserted": 0, "deleted": 0}
        records = [record for _, record in rows]
        _create(call, resource_id, wanted, keys, records, replace=current is not None)
        return {"rows": len(rows), "upserted": len(rows), "deleted": len(stored or [])}
    have = dict(_stored_hashes(call, resource_id, keys)) if current == wanted else {}
    published = {key for key, _ in rows}
    changed = [record for key, record in rows if have.get(key) != record[ROW_HASH]]
    gone = [key for key in have if key not in published]
    if current == wanted:
        _write(call, resource_id, changed, "upsert")
    else:
        if current is not None:
            log(f"{table['name']}: its columns changed; its DataStore table is recreated")
        _create(call, resource_id, wanted, keys, changed, replace=current is not None)
    for filters in delete_filters(keys, gone):
        call("datastore_delete", {"resource_id": resource_id, "filters": filters, "force": True})
    if changed or gone:
        log(f"{table['name']}: DataStore: {len(changed)} rows written, {len(gone)} removed")
    return {"rows": len(rows), "upserted": len(changed), "deleted": len(gone)}


def delete_filters(keys: list[str], gone: list[tuple]) -> list[dict[str, Any]]:
    """``datastore_delete`` filters that remove exactly the rows keyed ``gone``, in few calls.

    A list value is an SQL ``IN`` in every DataStore since CKAN 2.9, so the rows are grouped
    by all key columns but one (the column that leaves the fewest groups) and that column's
    values go in a list: one call per group and per ``DELETE_BATCH`` values, instead of one
    per row (1,701 rows took 49 s one by one).
    """
    if not gone:
        return []
    spread = min(
        range(len(keys)),
        key=lambda i: len({key[:i] + key[i + 1 :] for key in gone}),
    )
    groups: dict[tuple, list[str]] = {}
    for key in gone:
        groups.setdefault(key[:spread] + key[spread + 1 :], []).append(key[spread])
    others = keys[:spread] + keys[spread + 1 :]
    filters = []
    for rest, values in groups.items():
        for start in range(0, len(values), DELETE_BATCH):
            fixed = dict(zip(others, rest, strict=True))
            filters.append({**fixed, keys[spread]: values[start : start + DELETE_BATCH]})
    return filters


def _create(
    call: Call,
    resource_id: str,
    fields: list[dict[str, str]],
    keys: list[str],
    records: list[dict[str, Any]],
    replace: bool,
) -> None:
    """A new DataStore table holding ``records``: the first chunk rides on the create call."""
    if replace:
        call("datastore_delete", {"resource_id": resource_id, "force": True})
    call(
        "datastore_create",
        {
            "resource_id": resource_id,
            "fields": fields,
            "primary_key": keys,
            "records": records[:CHUNK],
            "force": True,
        },
    )
    _write(call, resource_id, records[CHUNK:], "insert")


def _write(call: Call, resource_id: str, records: list[dict[str, Any]], method: str) -> None:
    for start in range(0, len(records), CHUNK):
        call(
            "datastore_upsert",
            {
                "resource_id": resource_id,
                "records": records[start : start + CHUNK],
                "method": method,
                "force": True,
            },
        )


def _current_fields(call: Call, resource_id: str) -> list[dict[str, str]] | None:
    """The DataStore table's columns (without CKAN's ``_id``), or None if it has none."""
    try:
        found = call("datastore_search", {"resource_id": resource_id, "limit": 0})
    except Exception:  # noqa: BLE001 - CKAN answers NotFound when the table does not exist
        return None
    return [{"id": f["id"], "type": f["type"]} for f in found.get("fields", []) if f["id"] != "_id"]


def _stored_hashes(call: Call, resource_id: str, keys: list[str]) -> Iterator[tuple[tuple, str]]:
    """(primary key, row hash) of every row in the DataStore table, page by page."""
    offset = 0
    while True:
        page = call(
            "datastore_search",
            {
                "resource_id": resource_id,
                "fields": [*keys, ROW_HASH],
                "limit": PAGE,
                "offset": offset,
                "sort": ", ".join(keys) or "_id",
                "include_total": False,
            },
        )
        records = page.get("records", [])
        for record in records:
            yield tuple(_key_text(record[k]) for k in keys), record.get(ROW_HASH) or ""
        if len(records) < PAGE:
            return
        offset += PAGE


def _published_rows(
    db_path: Path, table: str, schema: dict[str, Any]
) -> Iterator[tuple[tuple, dict[str, Any]]]:
    """(primary key, DataStore record) of every published row, in the CSV's order."""
    names = [f["name"] for f in schema["fields"]]
    types = {f["name"]: f.get("type", "string") for f in schema["fields"]}
    keys = list(schema.get("primaryKey") or [])
    columns = ", ".join(f'"{n}"' for n in names)
    connection = sqlite3.connect(f"file:{urllib.parse.quote(str(db_path))}?mode=ro", uri=True)
    try:
        for values in connection.execute(f'select {columns} from "{table}" order by rowid'):
            record = {n: _value(v, types[n]) for n, v in zip(names, values, strict=True)}
            text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
            record[ROW_HASH] = hashlib.sha256(text.encode()).hexdigest()
            yield tuple(_key_text(record[k]) for k in keys), record
    finally:
        connection.close()


def _value(value: Any, kind: str) -> Any:
    """A SQLite value as the DataStore column of ``kind`` takes it (empty is null)."""
    if value == "" and kind != "string":
        return None
    if kind == "boolean" and value is not None:
        return bool(value)
    return value


def _key_text(value: Any) -> str:
    """A key value compared as text: the DataStore gives numbers back as it stores them."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)
