"""Red flags on the tender's own row: badges beside its title, and a panel on its page.

The flags come from the ``red_flags`` and ``red_flag_indicators`` tables the procurement
pipeline published; nothing is computed here. Badges carry the indicator id (the same in
every language) and its title in both languages; the row page lists each flag with its
definition and what was measured, in the reader's language.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup, escape

from . import i18n, publication
from .panel import page_kind

BADGE_TABLES = {"tenders": "title", "compiled_releases": "title"}
# Tables whose measure and threshold cells are shown in the indicator's unit.
MEASURE_TABLES = {"red_flags", "red_flag_parties"}
MEASURE_COLUMNS = {"measure", "threshold", "value"}
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


class ExplainFormatter(i18n.NumberFormatter):
    """Fills an indicator's ``explain``: amounts in their currency (``Rp 250 jt``), not bare.

    The templates carry English number formats (``{measure:,.0f}``) for other readers of
    the published table; on the site an amount reads as money in the row's currency.
    """

    def __init__(self, lang: str, unit: str, currency: str | None):
        super().__init__(lang)
        self.unit, self.currency = unit, currency

    def format_field(self, value: Any, format_spec: str) -> str:  # noqa: D102
        if self.unit == "amount" and isinstance(value, int | float) and not isinstance(value, bool):
            from . import numbers

            return numbers.money(value, self.currency, self.lang)
        return super().format_field(value, format_spec)


def describe(flag: dict, indicator: dict, lang: str, currency: str | None = None) -> dict[str, Any]:
    """A flag in the reader's language, with the measured value filled in.

    ``currency`` is the code an ``amount`` indicator's measure and threshold are in.
    """
    suffix = "" if lang == "id" else "_en"
    template = indicator.get("explain" + suffix) or ""
    unit = indicator.get("measure_unit") or "number"
    try:
        explained = ExplainFormatter(lang, unit, currency).format(
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
        "measure": flag.get("measure"),
        "threshold": flag.get("threshold"),
        "methodology_url": indicator.get("methodology_url"),
        "origin": indicator.get("origin"),
        "unverified": indicator.get("unverified"),
    }


async def explained(
    datasette: Any, database: str, flags: list[dict], lang: str, currency: str | None = None
) -> list[dict[str, Any]]:
    """``flags`` (rows of ``red_flags`` or ``red_flag_parties``) described for a reader.

    An amount takes its indicator's currency setting, else the flagged process's
    currency, else ``currency`` (the page's own, for an organisation's flags).
    """
    known = await indicators(datasette, database)
    described = []
    for flag in flags:
        indicator = known.get(flag["flag_id"], {})
        code = currency
        if indicator.get("measure_unit") == "amount":
            found = await _currency(datasette, database, indicator, flag.get("ocid"))
            code = found or currency
        item = describe(flag, indicator, lang, code)
        item["methodology_url"] = methodology_href(datasette, database, item["methodology_url"])
        described.append(item)
    return described


# terbuka's own indicators point at their section of docs/red-flags.md; on the site that is
# the methodology page (``pages.methodology_view``). Cardinal's link to Cardinal's docs.
LOCAL_METHODOLOGY = "docs/red-flags.md#"


def methodology_href(datasette: Any, database: str, url: str | None) -> str | None:
    """Where a reader of the site finds an indicator's methodology."""
    if not url or not url.startswith(LOCAL_METHODOLOGY):
        return url
    anchor = url.removeprefix(LOCAL_METHODOLOGY)
    return datasette.urls.path(f"/-/terbuka/{_quote(database)}/red-flags") + "#" + anchor


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """The tender's title with a badge per red flag; measures in their readable unit."""
    if table in MEASURE_TABLES and column in MEASURE_COLUMNS:
        return measure_cell(row, value, column, database, datasette)
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


def measure_cell(row: Any, value: Any, column: str, database: str, datasette: Any) -> Any:
    """``measure``, ``threshold`` (and ``value`` where it is the measure) in days, %, money …

    The unit is the indicator's ``measure_unit``; an amount takes the currency of the
    indicator's settings, else of the flagged process's tender. The raw number stays in
    ``<data value>`` and in JSON and CSV.
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if publication.config(datasette, database) is None:
        return None

    async def inner():
        from . import numbers

        known = await indicators(datasette, database)
        indicator = known.get(_cell_value(row, "flag_id")) or {}
        unit = indicator.get("measure_unit") or "number"
        if column == "value" and value != _cell_value(row, "measure"):
            unit = "number"  # Cardinal's 1.0, not a measure
        currency = None
        if unit == "amount":
            currency = await _currency(datasette, database, indicator, _cell_value(row, "ocid"))
        lang = numbers.CURRENT_LANG.get()
        text = numbers.measure(value, unit, lang, currency)
        return Markup(f'<data class="tbk-num" value="{escape(repr(value))}">{escape(text)}</data>')

    return inner


def _cell_value(row: Any, column: str) -> Any:
    try:
        value = row[column]
    except (IndexError, KeyError):
        return None
    return value.get("value") if isinstance(value, dict) else value


async def _currency(datasette: Any, database: str, indicator: dict, ocid: Any) -> str | None:
    """The currency an amount of this indicator is in: its settings', else the tender's."""
    try:
        settings = json.loads(indicator.get("settings") or "{}")
    except ValueError:
        settings = {}
    if isinstance(settings, dict) and isinstance(settings.get("currency"), str):
        return str(settings["currency"])
    if not isinstance(ocid, str):
        return None
    db = datasette.databases[database]
    if "tenders" not in await db.table_names():
        return None
    found = (await db.execute("select value_currency from tenders where ocid = ?", [ocid])).rows
    return found[0][0] if found else None


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
        flags = await explained(
            datasette, database, await flags_for(datasette, database, ocid), lang
        )
        return {"terbuka_row_flags": {"ocid": ocid, "flags": flags}}

    return inner


CARDINAL_GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")


@hookimpl
def register_routes():
    """``/-/terbuka/<database>/cardinal.json``: Cardinal's indicator output with ``Meta``."""
    return [(r"^/-/terbuka/(?P<database>[^/]+)/cardinal\.json$", cardinal_output)]


async def cardinal_output(datasette: Any, request: Any) -> Any:
    """The shape of ``ocdscardinal indicators``: results by group, id and code, then Meta.

    Read from the published ``cardinal_results`` and ``red_flag_indicators.meta`` (the
    quartiles and fences the run used), so a tool written for Cardinal can read it.
    """
    from datasette.utils.asgi import Response

    database = request.url_vars["database"]
    if database not in datasette.databases or publication.config(datasette, database) is None:
        return Response.text("Not found", status=404)
    db = datasette.databases[database]
    if not {"cardinal_results", "red_flag_indicators"} <= set(await db.table_names()):
        return Response.text("Not found", status=404)
    found: dict[str, Any] = {}
    rows = await db.execute(
        "select cardinal_group, identifier, indicator, value from cardinal_results"
        " order by cardinal_group, identifier, indicator"
    )
    for group, identifier, code, value in rows.rows:
        found.setdefault(group, {}).setdefault(identifier, {})[code] = float(value)
    output: dict[str, Any] = {g: found[g] for g in CARDINAL_GROUPS if g in found}
    columns = {c for c in await db.table_columns("red_flag_indicators")}
    meta = {}
    if "meta" in columns:
        sql = "select flag_id, meta from red_flag_indicators where origin = 'cardinal' and meta is not null order by flag_id"  # fmt: skip
        meta = {flag_id: json.loads(text) for flag_id, text in (await db.execute(sql)).rows}
    output["Meta"] = meta
    return Response.json(output)
