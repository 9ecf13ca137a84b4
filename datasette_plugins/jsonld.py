"""schema.org ``Dataset`` JSON-LD on database and table pages, for Google Dataset Search.

Built only from what the publish stage wrote: the Datasette metadata and the
``plugins.terbuka`` block. Each table page describes the table as a Dataset that is
part of the database's Dataset, with CSV and JSON downloads and its columns.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl

from . import column_texts, i18n
from .panel import dataset_page, safe_json


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """``terbuka_jsonld`` (a ready ``<script>`` body) and ``terbuka_canonical``."""
    page = dataset_page(template, database, request, datasette)
    if page is None or page[0] not in ("database", "table"):
        return {}
    cfg = page[1]
    document = dataset_document(datasette, request, database, table, cfg)
    return {
        "terbuka_jsonld": safe_json(json.dumps(document, ensure_ascii=False, indent=1)),
        "terbuka_canonical": document["url"],
    }


def dataset_document(
    datasette: Any, request: Any, database: str, table: str | None, cfg: dict
) -> dict[str, Any]:
    """The schema.org Dataset for a database, or for one of its tables."""
    lang = i18n.language(request)
    metadata = datasette.metadata(database=database) or {}
    publisher = cfg.get("publisher") or {}
    organisation = {"@type": "Organization", "name": publisher.get("name") or metadata.get("about")}
    if publisher.get("url"):
        organisation["url"] = publisher["url"]
    database_url = datasette.absolute_url(request, datasette.urls.database(database))
    title = i18n.pick(cfg.get("titles"), lang) or metadata.get("title") or database
    description = i18n.pick(cfg.get("descriptions"), lang) or metadata.get("description") or title
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": database_url,
        "url": database_url,
        "name": title,
        "description": description,
        "inLanguage": cfg.get("language") or ["id", "en"],
        "isAccessibleForFree": True,
        "license": metadata.get("license_url") or metadata.get("license"),
        "creator": organisation,
        "publisher": organisation,
        "keywords": cfg.get("keywords") or [],
        "dateModified": cfg.get("published"),
        "version": cfg.get("run_id"),
    }
    source = cfg.get("source") or {}
    if source.get("url"):
        document["isBasedOn"] = source["url"]
    if cfg.get("spatial"):
        document["spatialCoverage"] = cfg["spatial"]
    temporal = cfg.get("temporal") or {}
    if temporal.get("start") or temporal.get("end"):
        document["temporalCoverage"] = f"{temporal.get('start', '..')}/{temporal.get('end', '..')}"
    if table:
        document.update(_table_part(datasette, request, database, table, cfg, document, lang))
    else:
        document["hasPart"] = [
            {
                "@type": "Dataset",
                "@id": datasette.absolute_url(request, datasette.urls.table(database, name)),
                "name": i18n.pick(settings.get("title"), lang) or name,
            }
            for name, settings in (cfg.get("tables") or {}).items()
        ]
    return {k: v for k, v in document.items() if v not in (None, [], "")}


def _table_part(
    datasette: Any,
    request: Any,
    database: str,
    table: str,
    cfg: dict[str, Any],
    document: dict[str, Any],
    lang: str,
) -> dict[str, Any]:
    """What a table's document says beyond its database's: its columns and downloads."""
    metadata = datasette.metadata(database=database) or {}
    table_cfg = (cfg.get("tables") or {}).get(table) or {}
    table_meta = (metadata.get("tables") or {}).get(table) or {}
    table_url = datasette.absolute_url(request, datasette.urls.table(database, table))
    table_title = i18n.pick(table_cfg.get("title"), lang) or table_meta.get("title") or table
    table_description = i18n.pick(table_cfg.get("description"), lang) or table_meta.get(
        "description"
    )

    def download(fmt: str, mimetype: str, query: str) -> dict[str, str]:
        path = datasette.urls.table(database, table, format=fmt) + query
        return {
            "@type": "DataDownload",
            "encodingFormat": mimetype,
            "contentUrl": datasette.absolute_url(request, path),
        }

    return {
        "@id": table_url,
        "url": table_url,
        "name": f"{document['name']}: {table_title}",
        "description": (f"{table_description} — " if table_description else "")
        + document["description"],
        "isPartOf": {"@type": "Dataset", "@id": document["@id"], "name": document["name"]},
        "variableMeasured": [
            {"@type": "PropertyValue", "name": name, "description": text}
            for name, text in column_texts.columns(cfg, table_meta, table, lang).items()
        ],
        "distribution": [
            download("csv", "text/csv", "?_stream=on&_size=max"),
            download("json", "application/json", "?_shape=objects"),
        ],
    }
