"""The one mapping from a published dataset to a catalog entry (a CKAN package).

``terbuka publish --ckan`` sends it to a real CKAN; the embedded catalog API serves it
from the Datasette site; DCAT is drawn from the same fields. Keeping one mapping means
a harvester sees the same dataset wherever it reads it from.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from . import ocds
from .published import Published
from .resources import ResourceSpec

SITE_URL_VARIABLE = "TERBUKA_SITE_URL"
DEFAULT_SITE_URL = "http://127.0.0.1:8001"  # where `terbuka serve` listens by default
MARKER = "terbuka_dataset"  # the extra that says terbuka manages a CKAN package

# DCAT-AP's frequency vocabulary (ckanext-dcat reads the `frequency` extra as dct:accrualPeriodicity).
FREQUENCIES = {
    "continuous": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
    "quarterly": "QUARTERLY", "biannual": "ANNUAL_2", "annual": "ANNUAL", "irregular": "IRREG",
}  # fmt: skip
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
SYSTEM_PREFIX = "_"


def site_url(explicit: str | None = None) -> str | None:
    """The public base URL of the Datasette site: ``explicit``, else ``$TERBUKA_SITE_URL``."""
    value = explicit or os.environ.get(SITE_URL_VARIABLE) or ""
    return value.rstrip("/") or None


def slug(text: str, max_length: int = 100) -> str:
    """A CKAN name (lowercase ASCII letters, digits, ``-``, ``_``) from any text."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower()).strip("-")
    return (name or "dataset")[:max_length].rstrip("-").ljust(2, "0")


def tag_name(keyword: str) -> str | None:
    """A CKAN tag (letters, digits, spaces, ``-_.``, 2-100 characters) or None."""
    cleaned = re.sub(r"[^\w\s.-]", " ", keyword, flags=re.UNICODE)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:100]
    return cleaned if len(cleaned) >= 2 else None


def organization_fields(published: Published, name: str | None = None) -> dict[str, Any]:
    """The CKAN organisation of the publisher (created when missing)."""
    publisher = published.publisher
    fields = {
        "name": name or slug(publisher.get("name", "terbuka")),
        "title": publisher.get("name", ""),
    }
    if publisher.get("url"):
        fields["description"] = publisher["url"]
    return fields


def privacy_summary(run: dict[str, Any]) -> str:
    """``"removed before publication: 132 NIK, 772 PHONE_NUMBER"`` — counts, never values."""
    removed = run.get("privacy") or {}
    if not removed:
        return "no personal data found"
    parts = [f"{count} {entity}" for entity, count in sorted(removed.items()) if count]
    return "removed before publication: " + ", ".join(parts)


def quality_score(run: dict[str, Any]) -> str | None:
    """The run's quality score if the quality stage recorded one (read defensively)."""
    quality = run.get("quality")
    candidates = [run.get("quality_score")]
    if isinstance(quality, dict):
        candidates += [quality.get("score"), quality.get("quality_score")]
        if isinstance(quality.get("score"), dict):
            candidates.insert(0, quality["score"].get("value"))
    for value in candidates:
        if isinstance(value, bool) or value is None or isinstance(value, dict):
            continue
        if isinstance(value, int | float):
            return f"{value:g}"
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def extras(published: Published) -> dict[str, str]:
    """CKAN extras: provenance, coverage, quality, privacy and the run that published it.

    Keys follow ckanext-dcat where it has one (``frequency``, ``temporal_start``,
    ``spatial_text``, ``language``, ``source``, ``modified``) so CKAN's own DCAT output
    carries them too.
    """
    descriptor, run = published.descriptor, published.run
    source = descriptor.get("source") or {}
    temporal = descriptor.get("temporal") or {}
    frequency = descriptor.get("update_frequency")
    values = {
        MARKER: published.name,
        "terbuka_run_id": run.get("run_id"),
        # When the data last changed (its latest date), and when it was published.
        "modified": (run.get("coverage") or {}).get("end") or run.get("finished"),
        "issued": run.get("finished"),
        "source": source.get("url"),
        "source_title": localized_text(source.get("title")),
        "update_frequency": frequency,
        "frequency": FREQUENCY_BASE + FREQUENCIES[frequency] if frequency in FREQUENCIES else None,
        "temporal_start": temporal.get("start"),
        "temporal_end": temporal.get("end"),
        "spatial_text": descriptor.get("spatial"),
        "language": ",".join(descriptor.get("language") or []),
        "quality_score": quality_score(run),
        "privacy_summary": privacy_summary(run),
        "title_en": published.text("title", "en"),
        "licence_spdx": published.licence.spdx,
    }
    return {key: str(value) for key, value in sorted(values.items()) if value not in (None, "")}


def localized_text(value: Any) -> str:
    """Indonesian first: the portals terbuka publishes to are Indonesian."""
    if isinstance(value, dict):
        return value.get("id") or value.get("en") or next(iter(value.values()), "")
    return value or ""


def notes(published: Published) -> str:
    """The description in Indonesian, then in English when the descriptor gives both."""
    indonesian = published.text("description", "id")
    english = published.text("description", "en")
    parts = [indonesian]
    if english and english != indonesian:
        parts.append(f"**{published.text('title', 'en')}.** {english}")
    return "\n\n".join(p for p in parts if p)


def package_fields(published: Published, name_prefix: str = "") -> dict[str, Any]:
    """The package's own fields (everything but owner, resources and CKAN's bookkeeping)."""
    publisher = published.publisher
    source = published.descriptor.get("source") or {}
    tags = sorted({t for t in map(tag_name, published.descriptor.get("keywords") or []) if t})
    fields = {
        "name": slug(name_prefix + published.name),
        "title": published.text("title", "id") or published.name,
        "notes": notes(published),
        "license_id": published.licence.ckan,
        "url": source.get("url") or publisher.get("url") or "",
        "version": str(published.descriptor.get("version") or ""),
        "maintainer": publisher.get("name", ""),
        "maintainer_email": publisher.get("email", ""),
        "tags": [{"name": t} for t in tags],
        "extras": [{"key": k, "value": v} for k, v in extras(published).items()],
    }
    return fields


def resource_specs(published: Published, site: str) -> list[ResourceSpec]:
    """Every resource, in the order a reader wants them: data first, then the rest."""
    data_tables = [t for t in published.tables if not t["name"].startswith(SYSTEM_PREFIX)]
    system_tables = [t for t in published.tables if t["name"].startswith(SYSTEM_PREFIX)]
    specs = [_csv_spec(published, table, site) for table in data_tables]
    if published.has_ocds:
        specs.append(_ocds_spec(published, site))
    specs.extend(_file_specs(published))
    specs.extend(_csv_spec(published, table, site) for table in system_tables)
    specs.extend(_datasette_specs(published, data_tables, site))
    for spec in specs:  # DCAT-AP wants the licence on every distribution (ckanext-dcat reads it)
        spec.extra["license"] = published.licence.url
    return specs


def _ocds_spec(published: Published, site: str) -> ResourceSpec:
    return ResourceSpec(
        key=ocds.RESOURCE_KEY,
        name="OCDS record package (compiled releases)",
        description=(
            "Every contracting process as an OCDS 1.1 record: the compiled release "
            "(after personal data was removed) and links to its releases."
        ),
        format="JSON",
        mimetype="application/json",
        filename=ocds.filename(published),
        generate=ocds.record_package_writer(published, site),
    )


def _file_specs(published: Published) -> list[ResourceSpec]:
    """The Data Package descriptor and the SQLite database."""
    name = published.name
    return [
        ResourceSpec(
            key="datapackage",
            name="Frictionless Data Package (datapackage.json)",
            description="Table Schemas, licence and sources of every CSV in this dataset.",
            format="JSON",
            mimetype="application/json",
            path=published.folder / "datapackage.json",
            filename="datapackage.json",
        ),
        ResourceSpec(
            key="sqlite",
            name=f"SQLite database ({name}.db)",
            description="All tables in one SQLite file, as served by Datasette.",
            format="SQLite",
            mimetype="application/vnd.sqlite3",
            path=published.db_path,
            filename=f"{name}.db",
        ),
    ]


def _datasette_specs(
    published: Published, data_tables: list[dict[str, Any]], site: str
) -> list[ResourceSpec]:
    """Links to each data table on the Datasette site, and to its JSON API."""
    db = quote(published.name)
    specs = [
        ResourceSpec(
            key=f"datasette:{table['name']}",
            name=f"{table.get('title') or table['name']} — Datasette",
            description=(
                f"Browse, filter, facet and search {table['name']} online; "
                f"JSON: {site}/{db}/{quote(table['name'])}.json"
            ),
            format="HTML",
            mimetype="text/html",
            url=f"{site}/{db}/{quote(table['name'])}",
        )
        for table in data_tables
    ]
    specs.append(
        ResourceSpec(
            key="datasette-api",
            name="Datasette JSON API",
            description=(
                f"Every table as JSON ({site}/{db}/TABLE.json?_shape=array) and read-only SQL "
                f"({site}/{db}.json?sql=…)."
            ),
            format="JSON",
            mimetype="application/json",
            url=f"{site}/{db}.json",
        )
    )
    return specs


def _csv_spec(published: Published, table: dict[str, Any], site: str) -> ResourceSpec:
    """A table's CSV as the package wrote it: ``x.csv``, or ``x.csv.gz`` (served as gzip)."""
    name = table["name"]
    description = table.get("description") or ""
    link = f"Datasette: {site}/{quote(published.name)}/{quote(name)}"
    gzipped = table.get("compression") == "gz"
    return ResourceSpec(
        key=f"table:{name}",
        name=f"{table.get('title') or name} (CSV{', gzipped' if gzipped else ''})",
        description=f"{description} {link}".strip(),
        format="CSV",
        mimetype="application/gzip" if gzipped else "text/csv",
        path=published.folder / table["path"],
        filename=table["path"].rsplit("/", 1)[-1],
    )
