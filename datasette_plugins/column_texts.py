"""Column descriptions in the reader's language, for Datasette's own blocks too.

The publish stage writes the Table Schema's English descriptions into Datasette's table
metadata (``tables.<t>.columns``), which Datasette's ``table.html`` lists under the table
(``<dl class="column-descriptions">``), and both languages into ``plugins.terbuka``
(``tables.<t>.columns.<c>: {id, en}``). The panel, the JSON-LD ``variableMeasured`` and
Datasette's block all take their text from ``columns()`` here, so they never disagree:
Indonesian in ``id`` mode, English in ``en`` mode, each falling back to the other.
"""

from __future__ import annotations

from typing import Any

from . import i18n


def columns(
    cfg: dict[str, Any], table_meta: dict[str, Any], table: str, lang: str
) -> dict[str, str]:
    """``{column: description}`` for a table, in ``lang``, in the table's column order."""
    translated = ((cfg.get("tables") or {}).get(table) or {}).get("columns") or {}
    return {
        name: i18n.pick(translated.get(name), lang) or text
        for name, text in (table_meta.get("columns") or {}).items()
    }


def table_metadata(
    datasette: Any, database: str, table: str, cfg: dict[str, Any], lang: str
) -> dict[str, Any]:
    """What ``table.html`` gets as ``metadata``, with its title and columns in ``lang``.

    The same dict Datasette's table view builds (the table's metadata with the inherited
    licence and source), so overriding the template variable changes nothing else.
    """
    databases = datasette.metadata("databases") or {}
    metadata = dict(((databases.get(database) or {}).get("tables") or {}).get(table) or {})
    datasette.update_with_inherited_metadata(metadata)
    settings = (cfg.get("tables") or {}).get(table) or {}
    title = i18n.pick(settings.get("title"), lang)
    if title:
        metadata["title"] = title
    if metadata.get("columns"):
        metadata["columns"] = columns(cfg, metadata, table, lang)
    return metadata
