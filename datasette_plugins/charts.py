"""Charts declared in descriptors (``charts:``), drawn from the published data.

A chart is a read-only SQL query plus which columns are the categories (``x``), the
values (``y``) and optionally the ``series``. It is drawn as inline SVG on the database
page and on the pages of the tables it names (``tables:``), and is also served alone at
``/-/terbuka/charts/<database>/<chart>.svg`` for embedding. Table pages without charts
get none of it, so they stay light.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from . import i18n, publication, svg
from .panel import dataset_page

DEFAULT_LIMIT = 60
TIME_LIMIT_MS = 2000
_CACHE: dict[tuple, dict[str, Any]] = {}


def charts_for(cfg: dict, kind: str, table: str | None) -> dict[str, dict]:
    """The charts a page shows: all on the database page, the named ones on table pages."""
    charts = cfg.get("charts") or {}
    if kind == "database":
        return charts
    if kind == "table" and table:
        return {name: spec for name, spec in charts.items() if table in (spec.get("tables") or [])}
    return {}


async def draw(datasette: Any, database: str, name: str, spec: dict, lang: str) -> dict[str, Any]:
    """Run the chart's query and draw it; a failing query becomes a message, not a 500."""
    key = (publication._stamp(datasette, database), name, lang)
    if key in _CACHE:
        return _CACHE[key]
    title = i18n.pick(spec.get("title"), lang) or name
    chart: dict[str, Any] = {
        "name": name,
        "title": title,
        "description": i18n.pick(spec.get("description"), lang),
        "href": datasette.urls.path(f"/-/terbuka/charts/{database}/{name}.svg"),
        "rows": [],
        "cells": [],
        "columns": [],
        "svg": None,
        "error": None,
    }
    try:
        results = await datasette.databases[database].execute(
            spec["sql"], custom_time_limit=TIME_LIMIT_MS
        )
        chart["columns"] = list(results.columns)
        rows = [dict(r) for r in results.rows][: int(spec.get("limit") or DEFAULT_LIMIT)]
    except Exception as error:  # a broken chart must not break the page
        chart["error"] = f"{type(error).__name__}: {error}"
        return chart
    chart["rows"] = rows
    chart["cells"] = [{c: readable(v, lang) for c, v in row.items()} for row in rows]
    if rows:
        chart["svg"] = Markup(
            svg.render(
                spec.get("type", "bar"),
                rows,
                spec,
                title=title,
                unit=i18n.pick(spec.get("unit"), lang),
                lang=lang,
                uid=f"tbk-chart-{name}",
            )  # fmt: skip
        )
    _CACHE[key] = chart
    return chart


def readable(value: Any, lang: str) -> Any:
    """A number in the chart's data table grouped the reader's way (``31.339.189.322``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.number(value, lang)
    return value


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """``terbuka_charts`` for the database page and for table pages the charts name."""
    page = dataset_page(template, database, request, datasette)
    wanted = charts_for(page[1], page[0], table) if page else None
    if not wanted:
        return {}
    lang = i18n.language(request)

    async def inner():
        drawn = [await draw(datasette, database, n, s, lang) for n, s in wanted.items()]
        return {"terbuka_charts": drawn}

    return inner


@hookimpl
def register_routes():
    """One chart as a standalone SVG image."""
    return [(r"^/-/terbuka/charts/(?P<database>[^/]+)/(?P<chart>[^/]+)\.svg$", chart_image)]


async def chart_image(datasette, request):
    """``/-/terbuka/charts/<database>/<chart>.svg`` (``?_lang=en`` for English)."""
    database, name = request.url_vars["database"], request.url_vars["chart"]
    cfg = publication.config(datasette, database) if database in datasette.databases else None
    spec = ((cfg or {}).get("charts") or {}).get(name)
    if spec is None:
        return Response.text("No such chart", status=404)
    chart = await draw(datasette, database, name, spec, i18n.language(request))
    if chart["svg"] is None:
        return Response.text(chart["error"] or "No data for this chart", status=404)
    return Response(
        str(chart["svg"]),
        content_type="image/svg+xml; charset=utf-8",
        headers={"Cache-Control": "max-age=300"},
    )
