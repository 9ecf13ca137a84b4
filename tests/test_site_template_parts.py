"""The template parts shared by terbuka's copies of Datasette's pages render where used."""

from __future__ import annotations

import asyncio
import sqlite3

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm


class ActionLinks:
    """A plugin that offers one action on every database and table page."""

    __name__ = "terbuka_test_action_links"

    @hookimpl
    def database_actions(self):
        return [{"href": "/-/db-action", "label": "Database action"}]

    @hookimpl
    def table_actions(self):
        return [{"href": "/-/table-action", "label": "Table action"}]


def fetch(tmp_path, paths):
    """Each path's HTML from a one-table Datasette with terbuka's templates."""
    path = tmp_path / "things.db"
    with sqlite3.connect(path) as db:
        db.execute("create table things (name text)")
        db.execute("insert into things values ('lamp')")
    plugin = ActionLinks()
    pm.register(plugin, name="terbuka_test_action_links")
    try:
        site = Datasette([str(path)])

        async def get_all():
            return [await site.client.get(p) for p in paths]

        responses = asyncio.run(get_all())
    finally:
        pm.unregister(plugin)
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    return [r.text for r in responses]


def test_actions_menu_lists_the_pages_own_actions(tmp_path):
    database, table = fetch(tmp_path, ["/things", "/things/things"])
    assert 'class="actions-menu-links"' in database and "Database action" in database
    assert 'class="actions-menu-links"' in table and "Table action" in table
    assert "Table action" not in database and "Database action" not in table
    assert "Tindakan tabel" in database and "Tindakan tabel" in table  # terbuka's copies


def test_query_and_row_pages_label_columns_on_narrow_screens(tmp_path):
    query, row = fetch(tmp_path, ["/things?sql=select+name+from+things", "/things/things/1"])
    for html in (query, row):
        assert 'content: "name"' in html and "max-width: 576px" in html
    assert "Jalankan SQL" in query and "Data ini sebagai" in row  # terbuka's copies
