"""The dataset panel: trust facts on every database, table, row and query page.

Licence with its link, publisher, source, when it was last updated and how often it
should be, the quality score or checks passed (with the quality report), what personal
data was removed and how, column descriptions, how to cite, API examples in curl and
Python, and the dataset's ready-made questions — in the reader's language. It reads only
what the publish stage wrote (``publication.py``) and replaces Datasette's one-line
licence/source block through the ``_description_source_license.html`` template.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from terbuka.metadata import UPDATE_PERIOD_DAYS

from . import column_texts, i18n, publication, versions

PAGES = {
    "database.html": "database",
    "table.html": "table",
    "row.html": "row",
    "query.html": "query",
}
TRANSIENT_ARGS = {i18n.PARAM, "_next", "csrftoken"}


def page_kind(template: str | None) -> str | None:
    """Which of terbuka's panels a Datasette template gets (None: no panel)."""
    return PAGES.get(template or "")


def dataset_page(
    template: str | None, database: str | None, request: Any, datasette: Any
) -> tuple[str, dict[str, Any]] | None:
    """The page kind and the publication's config of a terbuka dataset's page (else None).

    What the template hooks of the panel, charts and JSON-LD share before their own work.
    """
    kind = page_kind(template)
    cfg = publication.config(datasette, database)
    if kind is None or cfg is None or request is None:
        return None
    return kind, cfg


@hookimpl
def extra_css_urls(datasette):
    """One small stylesheet; no scripts, so pages stay light on slow connections."""
    return [datasette.urls.static_plugins("terbuka", "terbuka.css")]


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """``terbuka_panel`` for pages of a terbuka dataset (absent elsewhere)."""
    page = dataset_page(template, database, request, datasette)
    if page is None:
        return {}
    kind, cfg = page

    async def inner():
        found = {"terbuka_panel": await build_panel(datasette, request, database, table, kind, cfg)}
        if kind == "table" and table:
            # Datasette's own column-description block, in the reader's language too.
            lang = i18n.language(request)
            found["metadata"] = column_texts.table_metadata(datasette, database, table, cfg, lang)
        return found

    return inner


async def build_panel(
    datasette: Any, request: Any, database: str, table: str | None, kind: str, cfg: dict
) -> dict[str, Any]:
    """Everything the panel template shows, already in the reader's language."""
    lang = i18n.language(request)
    tr = i18n.translator(lang)
    facts = await publication.facts(datasette, database)
    record = facts["record"]
    query_name = _canned_query(datasette, request, database, kind)
    metadata = datasette.metadata(database=database) or {}
    tables_cfg = cfg.get("tables") or {}
    published = record.get("finished") or cfg.get("published") or record.get("started")
    permalink = datasette.absolute_url(request, _permalink_path(request))
    panel: dict[str, Any] = {
        "kind": kind,
        "dataset": cfg["dataset"],
        "database": database,
        "table": table,
        **_about(cfg, metadata, database, tr, lang),
        **_dates(cfg, published, tr),
        "run_id": cfg.get("run_id") or record.get("run_id"),
        "permalink": permalink,
        "quality": _quality(datasette, facts, database, table, tr, lang),
        "privacy": _privacy(facts, table, tr, lang),
        "questions": _questions(datasette, database, table, cfg, lang),
        "cite": _citation(
            cfg,
            metadata,
            table,
            i18n.pick((tables_cfg.get(table or "") or {}).get("title"), lang),
            lang,
            published,
            _version_link(datasette, request, database, table, cfg, record) or permalink,
        ),
        "api": _api(datasette, request, database, table, query_name, kind),
    }
    if table:
        table_meta = (metadata.get("tables") or {}).get(table, {})
        settings = tables_cfg.get(table) or {}
        panel["table_title"] = (
            i18n.pick(settings.get("title"), lang) or table_meta.get("title") or table
        )
        panel["table_description"] = i18n.pick(settings.get("description"), lang) or table_meta.get(
            "description"
        )
        panel["columns"] = list(column_texts.columns(cfg, table_meta, table, lang).items())
    if query_name:
        query_cfg = (cfg.get("queries") or {}).get(query_name) or {}
        panel["query_title"] = i18n.pick(query_cfg.get("title"), lang) or query_name
        panel["query_description"] = i18n.pick(query_cfg.get("description"), lang)
    return panel


def _about(cfg: dict, metadata: dict, database: str, tr: Any, lang: str) -> dict[str, Any]:
    """The dataset's title and description, licence, publisher and source."""
    provenance = cfg.get("provenance") or {}
    source = cfg.get("source") or {}
    return {
        "title": i18n.pick(cfg.get("titles"), lang) or metadata.get("title") or database,
        "description": i18n.pick(cfg.get("descriptions"), lang) or metadata.get("description"),
        "licence": {
            "id": metadata.get("license"),
            "title": cfg.get("license_title") or metadata.get("license"),
            "url": metadata.get("license_url"),
        },
        "publisher": cfg.get("publisher") or {},
        "publisher_from": provenance.get("publisher_from"),
        "publisher_note": i18n.pick(provenance.get("note"), lang) or tr("publisher_unset"),
        "conflicts": provenance.get("conflicts") or [],
        "source": {
            "title": i18n.pick(source.get("title"), lang) or metadata.get("source"),
            "url": source.get("url") or metadata.get("source_url"),
        },
    }


def _dates(cfg: dict, published: str | None, tr: Any) -> dict[str, Any]:
    """When the data was updated and published, the period it covers, and if it is overdue.

    "Updated" is the data's own latest date; the run's time is "published" (issue 17).
    """
    frequency = cfg.get("update_frequency")
    coverage = cfg.get("coverage") or {}
    data_end = coverage.get("end")
    return {
        "updated": data_end or _day(published),
        "updated_iso": data_end or published,
        "published": _day(published),
        "published_iso": published,
        "data_period": coverage if coverage.get("start") else None,
        "frequency": tr(frequency) if frequency else None,
        "overdue": _overdue(data_end or published, frequency),
    }


def _canned_query(datasette: Any, request: Any, database: str, kind: str) -> str | None:
    if kind != "query":
        return None
    name = (request.url_vars or {}).get("table")
    queries = datasette.metadata("queries", database=database, fallback=False) or {}
    return name if name in queries else None


def _permalink_path(request: Any) -> str:
    """The page's path and query, without the language or paging noise."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    args = [(k, v) for k, v in parse_qsl(query, True) if k not in TRANSIENT_ARGS]
    return request.path + ("?" + urlencode(args) if args else "")


def _day(value: str | None) -> str | None:
    return value[:16].replace("T", " ") + " UTC" if value else None


def _overdue(published: str | None, frequency: str | None) -> bool:
    """Older than one and a half declared update periods."""
    if not published or frequency not in UPDATE_PERIOD_DAYS:
        return False
    try:
        when = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:  # the data's own date (YYYY-MM-DD): read as UTC
        when = when.replace(tzinfo=UTC)
    return datetime.now(UTC) - when > timedelta(days=UPDATE_PERIOD_DAYS[frequency] * 1.5)


def _quality(
    datasette: Any, facts: dict, database: str, table: str | None, tr: Any, lang: str
) -> dict:
    summary = facts["quality"]
    lines = []
    if summary.get("score") is not None:
        lines.append(f"{tr('quality_score')}: {i18n.number(summary['score'], lang)}/100")
    if summary.get("total"):
        lines.append(tr("checks_passed", passed=summary["passed"], total=summary["total"]))
    if summary.get("ocds_not_validated"):
        lines.append(tr("ocds_not_validated"))
    quarantined = summary["per_table"].get(table, 0) if table else summary.get("quarantined", 0)
    if quarantined:
        lines.append(tr("quarantined", count=i18n.number(quarantined, lang)))
    if facts.get("quality_report"):
        link = {"href": report_url(datasette, database), "label": tr("quality_report")}
    else:
        link = {
            "href": datasette.urls.table(database, "_quality_notes"),
            "label": tr("quality_notes"),
        }
    return {
        "lines": lines,
        "link": link,
        "score": summary.get("score"),
        "failing": _failing_flags(facts["record"], lang),
    }


def _failing_flags(record: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The flags that failed, with their message, in the reader's language.

    The run record carries each flag's words in Indonesian too (``title_id``,
    ``message_id``, from the pipeline's ``quality/check_messages.py``).
    """
    quality = record.get("quality") if isinstance(record.get("quality"), dict) else {}
    found = []
    for flag in quality.get("flags") or []:
        if not isinstance(flag, dict) or flag.get("status") != "fail":
            continue
        suffix = "_id" if lang == "id" else ""
        found.append(
            {
                "id": str(flag.get("id") or ""),
                "title": str(flag.get(f"title{suffix}") or flag.get("title") or flag.get("id")),
                "message": str(flag.get(f"message{suffix}") or flag.get("message") or ""),
            }
        )
    return found


def _privacy(facts: dict, table: str | None, tr: Any, lang: str) -> dict:
    """A one-line summary (total, the largest kinds) and the full list for a details box."""

    def describe(rows: list[dict]) -> list[str]:
        return [
            f"{tr(e['entity'])}: {i18n.number(e['count'], lang)}"
            + (f" ({', '.join(tr('op_' + o) for o in e['operators'])})" if e["operators"] else "")
            for e in rows
        ]

    # Generalised quasi-identifiers are not personal values removed: they get their own line.
    removed = [r for r in facts["privacy"] if r.get("entity") != "QUASI_IDENTIFIER"]
    everything = publication.summarise_privacy(removed)
    here = publication.summarise_privacy(removed, table) if table else []
    return {
        "k": _k_anonymity(facts["record"], table, tr, lang),
        "total": i18n.number(sum(e["count"] for e in everything), lang),
        "top": [f"{tr(e['entity'])} {i18n.number(e['count'], lang)}" for e in everything[:3]],
        "more": max(0, len(everything) - 3),
        "dataset": describe(everything),
        "table": describe(here),
        "table_total": i18n.number(sum(e["count"] for e in here), lang),
    }


def _k_anonymity(record: dict, table: str | None, tr: Any, lang: str) -> list[str]:
    """One line per k-anonymous table (on a table page, only that table's).

    It says the k reached, the steps each quasi-identifier went through, and how many
    rows were suppressed: readers learn how coarse the data is, and why.
    """
    lines = []
    for entry in record.get("disclosure") or []:
        if not isinstance(entry, dict) or "k_achieved" not in entry:
            continue
        if table and entry.get("table") != table:
            continue
        line = tr(
            "k_anonymity",
            table=entry.get("table", ""),
            k=i18n.number(entry["k_achieved"], lang),
            target=i18n.number(entry.get("k", 0), lang),
            others=i18n.number(max(0, entry["k_achieved"] - 1), lang),
            columns=", ".join(entry.get("quasi_identifiers") or []),
        )
        steps = [
            f"{column} → {' → '.join(chain)}"
            for column, chain in (entry.get("generalised") or {}).items()
            if column in (entry.get("quasi_identifiers") or [])
        ]
        if steps:
            line += "; " + tr("k_generalised", steps=", ".join(steps))
        if entry.get("suppressed_rows"):
            line += "; " + tr("k_suppressed", rows=i18n.number(entry["suppressed_rows"], lang))
        lines.append(line)
    return lines


def _questions(datasette: Any, database: str, table: str | None, cfg: dict, lang: str) -> list:
    queries = datasette.metadata("queries", database=database, fallback=False) or {}
    texts = cfg.get("queries") or {}
    found = []
    for name, query in queries.items():
        sql = query.get("sql", "") if isinstance(query, dict) else str(query)
        mentions = table is None or re.search(rf"\b{re.escape(table)}\b", sql)
        found.append(
            {
                "name": name,
                "title": i18n.pick((texts.get(name) or {}).get("title"), lang)
                or (query.get("title") if isinstance(query, dict) else None)
                or name,
                "description": i18n.pick((texts.get(name) or {}).get("description"), lang),
                "href": datasette.urls.database(database) + "/" + name,
                "red_flag": "red_flags" in sql,
                "here": bool(mentions),
            }
        )
    relevant = [q for q in found if q["here"]]
    return relevant or found


def _version_link(
    datasette: Any, request: Any, database: str, table: str | None, cfg: dict, record: dict
) -> str | None:
    """A citation names a run: its link is that version's permanent address (versions.py)."""
    run_id = cfg.get("run_id") or record.get("run_id")
    if not run_id:
        return None
    path = versions.version_path(database, run_id, table)
    query = _permalink_path(request).partition("?")[2]
    return datasette.absolute_url(request, path + ("?" + query if query and table else ""))


def _citation(
    cfg: dict, metadata: dict, table: str | None, table_title: str, lang: str,
    published: str | None, permalink: str,
) -> str:  # fmt: skip
    """A dataset citation in the usual author (year). title [dataset]. URL form."""
    publisher = (cfg.get("publisher") or {}).get("name") or metadata.get("about") or ""
    year = (published or "")[:4] or "n.d."
    title = i18n.pick(cfg.get("titles"), lang) or metadata.get("title") or cfg["dataset"]
    if table:
        title += f": {table_title or table}"
    version = cfg.get("run_id") or ""
    licence = metadata.get("license") or ""
    accessed = datetime.now(UTC).strftime("%Y-%m-%d")
    words = {"id": ("versi", "diakses", "Lisensi"), "en": ("version", "accessed", "Licence")}[lang]
    # With no publisher (an example descriptor, sources naming none) the title leads.
    author = f"{publisher} ({year}). {title}" if publisher else f"{title} ({year})"
    return (
        f"{author} [dataset; {words[0]} {version}]. {permalink} "
        f"({words[1]} {accessed}). {words[2]} {licence}."
    )


def _api(datasette: Any, request: Any, database: str, table: str | None, query: str | None,
         kind: str) -> dict[str, str]:  # fmt: skip
    if kind in ("table", "row") and table:
        path = datasette.urls.table(database, table, format="json")
        if kind == "row":
            path = request.path.rsplit(".", 1)[0] + ".json"
            curl_url = datasette.absolute_url(request, path + "?_shape=objects")
        else:
            curl_url = datasette.absolute_url(request, path + "?_shape=array&_size=100")
        python_url = datasette.absolute_url(request, path + "?_shape=objects&_size=max")
    elif query:
        path = datasette.urls.database(database) + "/" + query + ".json"
        curl_url = datasette.absolute_url(request, path + "?_shape=array")
        python_url = datasette.absolute_url(request, path + "?_shape=objects")
    else:
        path = datasette.urls.database(database, format="json")
        curl_url = datasette.absolute_url(
            request, path + "?sql=select+*+from+sqlite_master&_shape=array"
        )
        python_url = datasette.absolute_url(
            request, path + "?_shape=objects&sql=select+name+from+sqlite_master"
        )
    python = (
        "import json, urllib.request\n\n"
        f'url = "{python_url}"\n'
        "while url:\n"
        "    with urllib.request.urlopen(url) as response:\n"
        "        page = json.load(response)\n"
        '    for row in page["rows"]:\n'
        "        print(row)\n"
        '    url = page.get("next_url")'
    )
    return {"curl": f"curl '{curl_url}'", "python": python, "json_url": curl_url}


def report_url(datasette: Any, database: str) -> str:
    """Where the quality report (``DIR/<dataset>/quality.html``) is served."""
    return datasette.urls.path(f"/-/terbuka/quality/{database}")


@hookimpl
def register_routes():
    """The offline HTML quality report written beside each database."""
    return [(r"^/-/terbuka/quality/(?P<database>[^/]+)$", quality_report)]


async def quality_report(datasette, request):
    """Serve ``DIR/<dataset>/quality.html`` if the quality stage wrote one."""
    database = request.url_vars["database"]
    if database not in datasette.databases or publication.config(datasette, database) is None:
        return Response.text("Not found", status=404)
    path: Path | None = (await publication.facts(datasette, database))["quality_report"]
    if path is None:
        return Response.text("This dataset has no quality report", status=404)
    # In the reader's language: quality.html is Indonesian, quality.en.html English.
    english = path.with_name("quality.en.html")
    if i18n.language(request) == "en" and english.is_file():
        path = english
    html = path.read_text("utf-8")
    # The report's links work from a file; served here they point into the site.
    return Response.html(
        html.replace(f'href="/{database}"', f'href="{datasette.urls.database(database)}"')
        .replace('href="quality.en.html"', 'href="?_lang=en"')
        .replace('href="quality.html"', 'href="?_lang=id"')
    )


def safe_json(text: str) -> Markup:
    """JSON for a ``<script>`` element: ``</`` cannot close it."""
    return Markup(text.replace("</", "<\\/"))
