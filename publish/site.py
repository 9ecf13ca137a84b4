"""The Datasette site: metadata for each database, settings, and the published folder's layout.

The published folder is a Datasette *configuration directory*: ``datasette serve DIR``
(or ``terbuka serve DIR``) finds every ``*.db``, ``metadata.json`` and ``settings.json``.
Each dataset owns ``DIR/<dataset>.db`` and ``DIR/<dataset>/`` (data package, Datasette
metadata fragment, run record), both links into its live publication (``swap.py``);
``metadata.json`` holds only the site's title and description, and the terbuka Datasette
plugins read each database's metadata from its fragment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from terbuka.metadata import Descriptor, localized

from .database import SYSTEM_TABLES
from .datapackage import SYSTEM_DESCRIPTIONS

FRAGMENT = "datasette.json"
SETTINGS = {
    # Suggested facets scan every column of a big table on each request: off.
    "suggest_facets": False,
    # Facet columns are indexed, so 1 s is generous; a facet that still times out is
    # listed by Datasette under "These facets timed out" rather than dropped silently.
    "facet_time_limit_ms": 1000,
    "sql_time_limit_ms": 3000,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "allow_download": True,
    "default_cache_ttl": 300,
}
SITE = {
    "title": "Data terbuka",
    "description_html": (
        "Open procurement, budget and public-service data, licensed, privacy-checked and "
        "quality-checked. / Data terbuka pengadaan, anggaran dan kinerja layanan publik."
    ),
}


def database_metadata(
    descriptor: Descriptor, schemas: dict[str, dict], run: dict[str, Any], lang: str = "id"
) -> dict[str, Any]:
    """Datasette metadata for one dataset's database."""
    provenance = _provenance(descriptor, lang)
    return {
        "title": descriptor.text("title", lang),
        "description": descriptor.text("description", lang),
        **provenance,
        "tables": _tables(descriptor, schemas, provenance, lang),
        "queries": _queries(descriptor, lang),
        "plugins": {"terbuka": _plugin_metadata(descriptor, schemas, run)},
    }


def _provenance(descriptor: Descriptor, lang: str) -> dict[str, Any]:
    """Licence, source and publisher, as Datasette shows them."""
    source = descriptor.get("source") or {}
    publisher = descriptor.get("publisher") or {}
    return {
        "license": descriptor.licence.spdx,
        "license_url": descriptor.licence.url,
        "source": localized(source.get("title"), lang) or publisher.get("name", ""),
        "source_url": source.get("url") or publisher.get("url", ""),
        "about": publisher.get("name", ""),
        "about_url": publisher.get("url", ""),
    }


def _tables(
    descriptor: Descriptor, schemas: dict[str, dict], provenance: dict[str, Any], lang: str
) -> dict[str, Any]:
    """Each table's and view's title, description, columns and display settings.

    Datasette's table pages inherit licence and source from the site, not from the
    database, so every table carries them itself.
    """
    tables: dict[str, Any] = {}
    for table, schema in schemas.items():
        settings = descriptor.tables.get(table, {})
        entry: dict[str, Any] = {
            **provenance,
            "title": localized(settings.get("title"), lang) or table,
            "description": localized(settings.get("description"), lang) or "",
            "columns": {f["name"]: f.get("description", "") for f in schema["fields"]},
        }
        for key in ("sort_desc", "sort", "label_column", "hidden"):
            if settings.get(key) is not None:
                entry[key] = settings[key]
        if settings.get("facets"):
            entry["facets"] = list(settings["facets"])
        tables[table] = entry
    for table in SYSTEM_TABLES:
        tables[table] = {**provenance, "description": SYSTEM_DESCRIPTIONS[table]}
    for name, view in (descriptor.get("views") or {}).items():  # Datasette titles views too
        tables[name] = {
            **provenance,
            "title": localized(view.get("title"), lang) or name,
            "description": localized(view.get("description"), lang) or "",
        }
    return tables


def _queries(descriptor: Descriptor, lang: str) -> dict[str, Any]:
    """The descriptor's canned queries."""
    queries = {}
    for name, query in (descriptor.get("queries") or {}).items():
        queries[name] = {
            "sql": query["sql"],
            "title": localized(query.get("title"), lang) or name,
            "description": localized(query.get("description"), lang),
        }
        if query.get("hide_sql"):
            queries[name]["hide_sql"] = True
    return queries


def _plugin_metadata(
    descriptor: Descriptor, schemas: dict[str, dict], run: dict[str, Any]
) -> dict[str, Any]:
    """What terbuka's Datasette plugins read: both languages, charts, the feedback form."""
    source = descriptor.get("source") or {}
    queries = descriptor.get("queries") or {}
    return {
        "dataset": descriptor.name,
        "run_id": run.get("run_id"),
        "published": run.get("finished"),
        "update_frequency": descriptor.get("update_frequency"),
        "publisher": descriptor.get("publisher") or {},
        # Where the publisher came from (descriptor, source, demo, unset) and, when
        # unset, what to say instead (pipelines/provenance.py).
        "provenance": {
            k: v
            for k, v in (run.get("provenance") or {}).items()
            if k in ("publisher_from", "licence_from", "note", "conflicts", "example")
        },
        # The period the data covers, from its own dates (pipelines/coverage.py).
        "coverage": {k: v for k, v in (run.get("coverage") or {}).items() if k != "tables"},
        "license_title": descriptor.licence.title,
        "titles": {k: descriptor.text("title", k) for k in ("id", "en")},
        "descriptions": {k: descriptor.text("description", k) for k in ("id", "en")},
        "source": {"title": _both(source.get("title")), "url": source.get("url")},
        "keywords": descriptor.get("keywords") or [],
        "language": descriptor.get("language") or [],
        "spatial": descriptor.get("spatial"),
        "temporal": descriptor.get("temporal"),
        "version": descriptor.get("version"),
        "tables": {
            t: {
                "title": _both(v.get("title")),
                "description": _both(v.get("description")),
                "columns": _columns(v.get("columns"), schemas.get(t)),
            }
            for t, v in descriptor.tables.items()
        },
        "queries": {
            q: {"title": _both(v.get("title")), "description": _both(v.get("description"))}
            for q, v in queries.items()
        },
        "charts": descriptor.get("charts") or {},
        # Which columns hold rupiah or durations (schema ``unit``, query ``units``).
        "units": column_units(descriptor, schemas),
        "feedback": descriptor.get("feedback", True),
        "quality_score": (run.get("quality") or {}).get("score"),
        "quality_report": f"{descriptor.name}/quality.html",
    }


def _columns(texts: dict[str, Any] | None, schema: dict | None) -> dict[str, dict[str, str]]:
    """Column descriptions in both languages: the descriptor's ``columns``, else the schema's.

    A Table Schema's description is English; ``tables.<t>.columns`` in ``dataset.yml`` gives
    the Indonesian (and may override the English).
    """
    texts = texts or {}
    found = {}
    for item in (schema or {}).get("fields", []):
        given = texts.get(item["name"])
        english = item.get("description", "")
        if isinstance(given, dict):
            found[item["name"]] = {
                "id": given.get("id") or given.get("en") or english,
                "en": given.get("en") or english or given.get("id", ""),
            }
        elif given:
            found[item["name"]] = {"id": given, "en": english or given}
    return found


def column_units(descriptor: Descriptor, schemas: dict[str, dict]) -> dict[str, dict[str, str]]:
    """``{table, view or query: {column: unit}}`` from the schemas and the descriptor.

    The site formats a column by its declared unit (``Rp 5,46 T``, ``3 hari 4 jam``),
    never by guessing from a float; a column without a unit is shown as it is.
    """
    units: dict[str, dict[str, str]] = {}
    for table, schema in schemas.items():
        found = {f["name"]: field_unit(f) for f in schema["fields"] if f.get("unit")}
        if found:
            units[table] = found
    for key in ("views", "queries"):
        for name, query in (descriptor.get(key) or {}).items():
            if query.get("units"):
                units[name] = dict(query["units"])
    return units


def field_unit(field: dict[str, Any]) -> str:
    """A schema field's unit; ``currency`` becomes ``currency:<column>``, the row's code.

    The column is the field's ``currencyField`` (``currency`` when not given): amounts of a
    Fiscal Data Package or a foreign OCDS publisher are formatted in their own currency.
    """
    unit = str(field["unit"])
    if unit == "currency":
        return f"currency:{field.get('currencyField') or 'currency'}"
    return unit


def _both(text: Any) -> dict[str, str]:
    """A descriptor text in Indonesian and English (either falls back to the other)."""
    return {lang: localized(text, lang) for lang in ("id", "en")}


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_site(out_dir: Path) -> None:
    """Write the site-wide ``metadata.json`` and ``settings.json`` when missing.

    Neither names a dataset, so a publication never rewrites them: each database's
    metadata is its publication's own ``datasette.json``, which Datasette reads through
    the live link (``datasette_plugins/live.py``). A ``metadata.json`` from before that
    (one shared ``databases`` section) is replaced once.
    """
    metadata_path = out_dir / "metadata.json"
    try:
        current = json.loads(metadata_path.read_text("utf-8"))
    except (OSError, ValueError):
        current = None
    if not isinstance(current, dict) or "databases" in current:
        write_json(metadata_path, SITE)
    settings_path = out_dir / "settings.json"
    if not settings_path.exists():
        write_json(settings_path, SETTINGS)
