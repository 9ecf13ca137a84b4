"""Tender, buyer and supplier pages: a contracting process, a work unit and a firm as stories.

``/-/terbuka/<database>/tender/<ocid>``, ``…/buyer/<buyer id or name>`` and
``…/supplier/<supplier id or name>`` read the published OCDS tables (``tenders``,
``compiled_releases``, ``awards``, ``award_suppliers``, ``contracts``, ``red_flags``) and,
where the dataset has them, INAPROC's (``bids``, ``amounts``, ``work_units``). Each page
shows its key facts first (what, buyer, supplier, amounts in rupiah, dates, flags), then
the sections, the trust panel and how to cite it; ``.json`` gives everything the page
shows and ``.csv?section=<name>`` one section, with raw values. Nothing is computed that
the tables do not hold: a risk score appears only when a ``risk_scores`` table exists.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Response

from . import i18n, numbers, page_data, panel, publication

KINDS = ("tender", "buyer", "supplier")
# The composite risk score's tables (pipelines/red_flags/risk.py; docs/red-flags.md).
RISK_SCORES = "risk_scores"
RISK_COMPONENTS = "risk_components"

LABELS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages" / "pages.json").read_text("utf-8")
)


def label(key: str, lang: str, **values: Any) -> str:
    """A page label in ``lang`` (falling back to the shared labels of ``i18n``)."""
    text = LABELS.get(key, {}).get(lang) or i18n.translate(key, lang)
    return text.format(**values) if values else text


@hookimpl
def register_routes():
    """The three page kinds, each also as ``.json`` and ``.csv``; the red-flag methodology."""
    pattern = r"^/-/terbuka/(?P<database>[^/]+)/(?P<kind>tender|buyer|supplier)/(?P<key>[^/]+?)(?:\.(?P<format>json|csv))?$"
    methodology = r"^/-/terbuka/(?P<database>[^/]+)/red-flags$"
    return [(pattern, page_view), (methodology, methodology_view)]


async def methodology_view(datasette: Any, request: Any) -> Response:
    """Every indicator as published: definition, settings, sources (verified or not), ICW."""
    database = request.url_vars["database"]
    lang = i18n.language(request)
    if database not in datasette.databases or publication.config(datasette, database) is None:
        return Response.text(label("not_found", lang), status=404)
    db = datasette.databases[database]
    if "red_flag_indicators" not in set(await db.table_names()):
        return Response.text(label("not_found", lang), status=404)
    found = await page_data.rows(db, "select * from red_flag_indicators order by origin desc, flag_id")  # fmt: skip
    cfg = publication.config(datasette, database)
    trust = await panel.build_panel(datasette, request, database, None, "row", cfg)
    trust["cite"] = trust["cite"].replace("[dataset;", f"— {label('methodology_title', lang)} [dataset;", 1)  # fmt: skip
    table = datasette.urls.table(database, "red_flag_indicators")
    context = {
        "database": database,
        "terbuka_panel": trust,
        "data_urls": {"json": table + ".json?_shape=array", "csv": table + ".csv"},
        "indicators": [page_data.methodology_entry(row, lang) for row in found],
        "lbl": lambda key, **values: label(key, lang, **values),
        "num": lambda value: i18n.number(value, lang),
    }
    return Response.html(
        await datasette.render_template("terbuka_methodology.html", context, request=request)
    )


async def page_view(datasette: Any, request: Any) -> Response:
    """One page in HTML, JSON or CSV."""
    database = request.url_vars["database"]
    kind = request.url_vars["kind"]
    key = unquote(request.url_vars["key"])  # page_url quotes it; Datasette does not unquote
    fmt = request.url_vars.get("format")
    lang = i18n.language(request)
    cfg = publication.config(datasette, database)
    if database not in datasette.databases or cfg is None:
        return Response.text(label("not_found", lang), status=404)
    db = datasette.databases[database]
    tables = set(await db.table_names()) | set(await db.view_names())
    if "tenders" not in tables:
        return Response.text(label("not_found", lang), status=404)
    if kind == "tender":
        data = await page_data.tender_data(
            datasette, db, tables, key, lang, lambda name: label(name, lang)
        )
    else:
        build = {"buyer": page_data.buyer_data, "supplier": page_data.supplier_data}[kind]
        data = await build(datasette, db, tables, key, lang)
    if data is None:
        return Response.text(f"{label('not_found', lang)}: {kind} {key}", status=404)
    data["risk"] = await risk_score(db, tables, kind, data["key"])
    if data["risk"]:
        data["sections"]["risk"] = data["risk"]["components"]
    if fmt == "json":
        return Response.json(jsonable(data, kind, database))
    if fmt == "csv":
        return csv_response(data, request.args.get("section"), kind, key)
    return await html(datasette, request, database, cfg, kind, data, lang)


def jsonable(data: dict, kind: str, database: str) -> dict:
    """What the page shows, raw values only."""
    return {
        "kind": kind,
        "database": database,
        **data,
    }


def csv_response(data: dict, section: str | None, kind: str, key: str) -> Response:
    """One section of the page as CSV (the first when none is named)."""
    sections = data["sections"]
    name = section if section in sections else next(iter(sections))
    rows = sections[name]
    out = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _csv_safe(row.get(c)) for c in columns})
    filename = f"{kind}-{quote(key, safe='')}-{name}.csv"
    return Response(
        out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _csv_safe(value: Any) -> Any:
    """A text starting with ``= + - @`` is not run as a formula by spreadsheets."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def risk_score(db: Any, tables: set[str], kind: str, key: str) -> dict | None:
    """The subject's latest composite score with its components, or None ("not computed").

    A score is NULL when no component could be judged; a component the data cannot judge
    is NULL too and is shown as missing, never as clean.
    """
    if RISK_SCORES not in tables:
        return None
    found = await page_data.rows(
        db,
        f"select * from [{RISK_SCORES}] where subject_kind = ? and subject_id = ? "
        "order by period desc limit 1",
        [kind, key],
    )
    if not found:
        return None
    risk = dict(found[0])
    risk["components"] = []
    if RISK_COMPONENTS in tables:
        risk["components"] = await page_data.rows(
            db,
            "select component, value, weight, contribution, judged, flagged "
            f"from [{RISK_COMPONENTS}] where subject_kind = ? and subject_id = ? and period = ? "
            "order by contribution is null, contribution desc, component",
            [kind, key, risk["period"]],
        )
    return risk


async def html(datasette: Any, request: Any, database: str, cfg: dict, kind: str, data: dict, lang: str) -> Response:  # fmt: skip
    """The page: key facts first, then sections, flags, the trust panel and citation."""
    trust = await panel.build_panel(datasette, request, database, None, "row", cfg)
    base = request.path.rsplit(".", 1)[0] if request.url_vars.get("format") else request.path
    data_title = f"{label(kind, lang)}: {data['title']}"
    trust["cite"] = trust["cite"].replace("[dataset;", f"— {data_title} [dataset;", 1)
    trust["table_title"] = data_title
    page_currency = data["facts"].get("currency")
    urls = {
        "json": base + ".json",
        "csv": {name: base + ".csv?section=" + name for name in data["sections"]},
    }
    context = {
        "kind": kind,
        "database": database,
        "page": data,
        "page_urls": urls,
        "terbuka_panel": trust,
        "terbuka_row_flags": None,
        "lbl": lambda key, **values: label(key, lang, **values),
        # An amount in the currency its row names (the page's own currency by default).
        "rp": lambda value, currency=page_currency: numbers.money(value, currency, lang),
        "rp_full": lambda value, currency=page_currency: numbers.money_full(value, currency, lang),
        "pct": lambda value: (
            "–" if value is None else i18n.number(round(100 * value, 1), lang) + " %"
        ),
        "num": lambda value: i18n.number(value, lang),
        "day": _day,
        "link": lambda k, key_: numbers.page_url(datasette, database, k, key_),
        "table_url": lambda table: datasette.urls.table(database, table),
    }
    return Response.html(
        await datasette.render_template("terbuka_page.html", context, request=request)
    )


def _day(value: str | None) -> str:
    """``2024-03-05`` from an ISO date-time (the page shows days; JSON keeps the time)."""
    return value[:10] if value else "–"
