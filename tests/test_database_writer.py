"""The Writer: batches inserted as sqlite-utils would store them, key clashes sent back."""

from __future__ import annotations

import datetime
import decimal
import uuid

import sqlite_utils

from terbuka.publish import database

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "amount", "type": "number"},
        {"name": "open", "type": "boolean"},
        {"name": "when", "type": "date"},
        {"name": "detail", "type": "object"},
        {"name": "tags", "type": "array"},
    ],
    "primaryKey": ["id"],
}
ROW = {
    "id": "a",
    "amount": decimal.Decimal("1250000.50"),
    "open": True,
    "when": datetime.date(2025, 3, 1),
    "detail": {"b": 1, "a": "Rp"},
    "tags": ("x", "y"),
}


def test_cells_are_stored_as_insert_all_stores_them(tmp_path):
    db = database.open_database(tmp_path / "w.db")
    database.create_tables(db, {"t": SCHEMA})
    writer = database.Writer(db, {"t": SCHEMA})
    assert writer.insert("t", [ROW, {"id": "b"}]) == []
    reference = sqlite_utils.Database(memory=True)
    reference["t"].insert({**ROW, "detail": None, "tags": None, "open": 1})
    stored = list(db.execute("select * from t order by id"))
    assert stored[0][:4] == next(reference.execute("select * from t"))[:4]
    assert stored[0][4:] == ('{"a":"Rp","b":1}', '["x","y"]')  # compact, sorted keys
    assert stored[1] == ("b", None, None, None, None, None)
    assert writer.rows["t"] == 2


def test_a_key_clash_sends_back_only_the_clashing_rows(tmp_path):
    db = database.open_database(tmp_path / "w.db")
    database.create_tables(db, {"t": SCHEMA})
    writer = database.Writer(db, {"t": SCHEMA})
    writer.insert("t", [{"id": "a"}])
    rejected = writer.insert("t", [{"id": "b"}, {"id": "a", "amount": 2}, {"id": "c"}])
    assert [(row["id"], "UNIQUE" in reason) for row, reason in rejected] == [("a", True)]
    assert [r[0] for r in db.execute("select id from t order by id")] == ["a", "b", "c"]
    assert writer.rows["t"] == 3


def test_other_python_values_become_text():
    key = uuid.UUID(int=1)
    assert database._cell(key) == str(key)
    assert database._cell(datetime.timedelta(hours=1)) == "1:00:00"
    assert database._cell(datetime.datetime(2025, 1, 2, 3, 4)) == "2025-01-02T03:04:00"
    assert database._cell(False) == 0
