"""Red flags on the tender's own row: badges beside its title, and a panel on its page.

The flags come from the ``red_flags`` and ``red_flag_indicators`` tables the procurement
pipeline published; nothing is computed here. Badges carry the indicator id (the same in
every language) and its title in both languages; the row page lists each flag with its
definition and what was measured, in the reader's language.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup, escape

from . import i18n, publication
from .panel import page_kind

BADGE_TABLES = {"tenders": "title", "compiled_releases": "title"}
ROW_TABLES = {"tenders", "compiled_releases", "awards", "contracts", "releases"}
_INDICATORS: dict[tuple, dict[str, dict]] = {}


async def indicators(datasette: Any, database: str) -> dict[str, dict]:
    """``red_flag_indicators`` by id (empty when the database has none)."""
    key = publication._stamp(datasette, database)
    if key not in _INDICATORS:
        db = datasette.databases[database]
        found: dict[str, dict] = {}
        if {"red_flags", "red_flag_indicators"} <= set(await db.table_names()):
            for row in (await db.execute("select * from red_flag_indicators")).rows:
                found[row["flag_id"]] = dict(row)
        _INDICATORS[key] = found
    return _INDICATORS[key]


async def flags_for(datasette: Any, database: str, ocid: str) -> list[dict[str, Any]]:
    """The flags raised for one contracting process."""
    if not await indicators(datasette, database):
        return []
    rows = await datasette.databases[database].execute(
        "select * from red_flags where ocid = ? order by flag_id", [ocid]
    )
    return [dict(r) for r in rows.rows]


def describe(flag: dict, indicator: dict, lang: str) -> dict[str, Any]:
    """A flag in the reader's language, with the measured value filled in."""
    suffix = "" if lang == "id" else "_en"
    template = indicator.get("explain" + suffix) or ""
    try:
        explained = i18n.NumberFormatter(lang).format(
            template, measure=flag["measure"], threshold=flag["threshold"]
        )
    except (KeyError, ValueError, TypeError):
        explained = flag.get("detail") or ""
    return {
        "id": flag["flag_id"],
        "title": indicator.get("title" + suffix) or flag["flag_id"],
        "definition": indicator.get("definition" + suffix),
        "explained": explained,
        "detail": flag.get("detail"),
        "methodology_url": indicator.get("methodology_url"),
        "origin": indicator.get("origin"),
    }


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """The tender's title, followed by a badge per red flag raised for its process."""
    if BADGE_TABLES.get(table) != column:
        return None
    try:
        ocid = row["ocid"]
    except (IndexError, KeyError):
        return None
    if isinstance(ocid, dict):  # a foreign key Datasette expanded to {value, label}
        ocid = ocid.get("value")
    if not isinstance(ocid, str):
        return None

    async def inner():
        known = await indicators(datasette, database)
        flags = await flags_for(datasette, database, ocid) if known else []
        title = _tender_link(datasette, database, ocid, value)
        if not flags:
            return title
        link = datasette.urls.table(database, "red_flags") + "?ocid=" + _quote(ocid)
        badges = "".join(
            f'<a class="tbk-flag" href="{escape(link)}" title="'
            f"{escape(known.get(f['flag_id'], {}).get('title') or '')} / "
            f'{escape(known.get(f["flag_id"], {}).get("title_en") or "")}">'
            f"{escape(f['flag_id'])}</a>"
            for f in flags
        )
        return Markup(f"{title or escape(value if value is not None else '')} {badges}")

    return inner


def _tender_link(datasette: Any, database: str, ocid: str, value: Any) -> Markup | None:
    """The title as a link to the tender page (``pages.py``), where the dataset has one."""
    from . import numbers

    cfg = publication.config(datasette, database)
    if cfg is None or not numbers.pages_enabled(cfg) or value in (None, ""):
        return None
    href = numbers.page_url(datasette, database, "tender", ocid)
    return Markup(f'<a class="tbk-page-link" href="{escape(href)}">{escape(value)}</a>')


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    """``terbuka_row_flags`` on the row page of a contracting process."""
    if page_kind(template) != "row" or table not in ROW_TABLES or request is None:
        return {}
    if publication.config(datasette, database) is None:
        return {}

    async def inner():
        known = await indicators(datasette, database)
        if not known:
            return {}
        pks = urlsafe_components(request.url_vars.get("pks", ""))
        ocid = pks[0] if pks else None
        if not ocid:
            return {}
        lang = i18n.language(request)
        flags = [
            describe(f, known.get(f["flag_id"], {}), lang)
            for f in await flags_for(datasette, database, ocid)
        ]
        return {"terbuka_row_flags": {"ocid": ocid, "flags": flags}}

    return inner
