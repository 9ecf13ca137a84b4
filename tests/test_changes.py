"""``_changes``: row-level diffs between consecutive publications.

Two real publications of the budget dataset (DJPK exports in ../shared) with known edits:
one figure changed in Batu, Kota Malang dropped, Blitar added. ``_changes`` must agree
with an independent diff of the two published databases, computed here in plain Python.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from conftest import rows as table

from terbuka.pipelines.runner import run_dataset
from terbuka.publish import changes, database, swap


@pytest.fixture(scope="module")
def two_publications(shared_data, tmp_path_factory):
    """Publication 1: Kota Malang + Batu 2023. Publication 2: Batu (one figure edited) + Blitar."""
    base = tmp_path_factory.mktemp("changes")
    djpk = shared_data / "budget" / "apbd-jatim-djpk" / "2023"
    first, second = base / "a" / "2023", base / "b" / "2023"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    for name in ("Kota_Malang", "Batu"):
        shutil.copy(djpk / f"{name}.csv", first)
    for name in ("Batu", "Blitar"):
        shutil.copy(djpk / f"{name}.csv", second)
    text = (second / "Batu.csv").read_text("utf-8")
    edited = text.replace('" Retribusi Daerah","25,71 M"', '" Retribusi Daerah","26,71 M"')
    assert edited != text
    (second / "Batu.csv").write_text(edited, "utf-8")
    out = base / "site"
    one = run_dataset("budget", [str(first.parent)], out, show_progress=False)
    assert one["status"] == "published", one.get("error")
    old_db = swap.publications_dir(out, "budget") / one["run_id"] / "budget.db"
    two = run_dataset("budget", [str(second.parent)], out, show_progress=False)
    assert two["status"] == "published", two.get("error")
    new_db = swap.publications_dir(out, "budget") / two["run_id"] / "budget.db"
    return one, two, old_db, new_db


def independent_diff(old_db: Path, new_db: Path, name: str, key: str) -> dict:
    old = {r[key]: r for r in table(old_db, f"select * from [{name}]")}
    new = {r[key]: r for r in table(new_db, f"select * from [{name}]")}
    found = {}
    for k in new.keys() - old.keys():
        found[k] = ("added", None)
    for k in old.keys() - new.keys():
        found[k] = ("removed", None)
    for k in new.keys() & old.keys():
        differing = sorted(c for c in new[k] if c in old[k] and new[k][c] != old[k][c])
        if differing:
            found[k] = ("changed", differing)
    return found


@pytest.mark.parametrize(
    "name, key", [("budget_lines", "line_id"), ("budget_accounts", "account_id")]
)
def test_changes_agree_with_an_independent_diff(two_publications, name, key):
    one, two, old_db, new_db = two_publications
    expected = independent_diff(old_db, new_db, name, key)
    rows = table(new_db, f"select * from _changes where table_name = '{name}'")
    got = {
        r["row_key"]: (r["change"], sorted(json.loads(r["columns"])) if r["columns"] else None)
        for r in rows
    }
    assert len(rows) == len(got)  # one row per key
    assert got == expected
    assert {r["run_id"] for r in rows} == {two["run_id"]}
    assert {r["previous_run_id"] for r in rows} == {one["run_id"]}
    counts = {k: sum(1 for c, _ in expected.values() if c == k) for k in changes.CHANGE_KINDS}
    assert two["changes"][name] == counts


def test_the_known_edit_is_there_with_old_and_new_values(two_publications):
    _, _, old_db, new_db = two_publications
    [line] = table(
        new_db,
        "select line_id from budget_lines where region = 'Kota Batu' and account_name = 'Retribusi Daerah'",
    )
    [change] = table(new_db, f"select * from _changes where row_key = '{line['line_id']}'")
    assert change["change"] == "changed"
    assert "planned" in json.loads(change["columns"])
    assert json.loads(change["old"])["planned"] == 25_710_000_000
    assert json.loads(change["new"])["planned"] == 26_710_000_000
    removed = table(
        new_db, "select * from _changes where change = 'removed' and table_name = 'budget_lines'"
    )
    assert removed and all("Malang" in json.loads(r["old"])["region"] for r in removed)
    added = table(
        new_db, "select * from _changes where change = 'added' and table_name = 'budget_lines'"
    )
    assert added and all("Blitar" in json.loads(r["new"])["region"] for r in added)


def test_the_first_publication_has_no_changes_rows_and_the_package_lists_the_table(
    two_publications,
):
    one, _, old_db, new_db = two_publications
    assert table(old_db, "select count(*) n from _changes") == [{"n": 0}]
    package = json.loads((new_db.parent / "budget" / "datapackage.json").read_text("utf-8"))
    assert "_changes" in [r["name"] for r in package["resources"]]


def build(
    path: Path, rows: dict[str, list[dict]], pk: dict[str, list[str]]
) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    for name, content in rows.items():
        db[name].insert_all(content, pk=pk.get(name) or None)
    for name, columns in database.SYSTEM_TABLES.items():
        db[name].create(columns, if_not_exists=True)
    return db


def test_keyless_tables_are_compared_by_row_hash(tmp_path):
    build(tmp_path / "old.db", {"t": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}, {})
    new = build(tmp_path / "new.db", {"t": [{"a": 1, "b": "x"}, {"a": 2, "b": "z"}]}, {})
    counts = changes.row_changes(new, tmp_path / "old.db", {"t": []}, "r2", "r1")
    assert counts == {"t": {"added": 1, "changed": 0, "removed": 1}}
    rows = table(tmp_path / "new.db", "select * from _changes order by change")
    assert [(r["change"], r["key_kind"], json.loads(r["new"] or r["old"])) for r in rows] == [
        ("added", "row hash", {"a": 2, "b": "z"}),
        ("removed", "row hash", {"a": 2, "b": "y"}),
    ]
    assert len(rows[0]["row_key"]) == 64


def test_a_column_no_longer_published_never_reappears_in_changes(tmp_path):
    """A privacy policy that now drops ``phone``: its old values stay out of ``_changes``."""
    old = [{"id": 1, "name": "A", "phone": "0812"}, {"id": 2, "name": "B", "phone": "0813"}]
    build(tmp_path / "old.db", {"t": old}, {"t": ["id"]})
    new = build(tmp_path / "new.db", {"t": [{"id": 1, "name": "A2"}]}, {"t": ["id"]})
    counts = changes.row_changes(new, tmp_path / "old.db", {"t": ["id"]}, "r2", "r1")
    assert counts == {"t": {"added": 0, "changed": 1, "removed": 1}}
    text = json.dumps(table(tmp_path / "new.db", "select * from _changes"))
    assert "0812" not in text and "0813" not in text and "phone" not in text


def test_composite_keys_are_json_arrays(tmp_path):
    build(tmp_path / "old.db", {"t": [{"o": "x", "i": 1, "v": 1}]}, {"t": ["o", "i"]})
    new = build(tmp_path / "new.db", {"t": [{"o": "x", "i": 1, "v": 2}]}, {"t": ["o", "i"]})
    changes.row_changes(new, tmp_path / "old.db", {"t": ["o", "i"]}, "r2", "r1")
    [row] = table(tmp_path / "new.db", "select * from _changes")
    assert json.loads(row["row_key"]) == ["x", 1]
    assert (json.loads(row["old"]), json.loads(row["new"])) == ({"v": 1}, {"v": 2})
