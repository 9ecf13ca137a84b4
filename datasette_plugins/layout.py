"""Datasette's own pages in a reader's order: data tables first, a useful first query.

The database page lists tables alphabetically, so ``_privacy`` came first and the SQL
box opened on ``select * from _privacy``. ``templates/database.html`` reorders the list
with ``order_tables``: the dataset's main table, then its other tables in the descriptor's
order, then anything else, and terbuka's system tables (names starting with ``_``) last.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from . import publication

MAIN_TABLES = ("tenders", "packages")


def order_tables(tables: list[dict[str, Any]], declared: list[str]) -> list[dict[str, Any]]:
    """Data tables first (main table, then the descriptor's order), system tables last."""
    position = {name: i for i, name in enumerate(declared)}

    def key(table: dict[str, Any]) -> tuple:
        name = table["name"]
        main = MAIN_TABLES.index(name) if name in MAIN_TABLES else len(MAIN_TABLES)
        return (bool(table.get("hidden")), name.startswith("_"), main, position.get(name, len(position)), name)  # fmt: skip

    return sorted(tables, key=key)


@hookimpl
def extra_template_vars(template, datasette):
    """``terbuka_order_tables`` for the database page."""
    if template != "database.html":
        return {}

    def ordered(tables: list[dict[str, Any]], database: str) -> list[dict[str, Any]]:
        cfg = publication.config(datasette, database) or {}
        return order_tables(list(tables), list(cfg.get("tables") or {}))

    return {"terbuka_order_tables": ordered}
