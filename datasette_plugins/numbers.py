"""Readable numbers: rupiah the Indonesian way, durations in days and hours, links to pages.

A column is formatted by the unit the publish stage declared for it (``plugins.terbuka.units``:
a schema field's ``unit``, a view's or canned query's ``units``), never by guessing from a
float. ``IDR`` is always rupiah; ``currency:<column>`` formats by the currency code in that
column of the same row (``Rp`` for IDR, babel's currency format for EUR, USD …, a bare
number when the row names no currency), because a Fiscal Data Package or an OCDS
publisher abroad is not in rupiah. Only the HTML changes: JSON and CSV keep the raw value, and the exact amount stays in
the cell's ``<data value>`` and its tooltip. ``ocid``, buyer and supplier cells link to the
tender, buyer and supplier pages (``pages.py``), on table, view and canned-query pages alike.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape

from . import i18n, publication

CURRENT_LANG: ContextVar[str] = ContextVar("terbuka_numbers_lang", default=i18n.DEFAULT)
# Short scale words as Indonesian newspapers write them; English gets the usual letters.
SCALES = {
    "id": ((10**12, "T"), (10**9, "M"), (10**6, "jt")),
    "en": ((10**12, "tn"), (10**9, "bn"), (10**6, "m")),
}
COMPACT_FROM = 10**6
# Whose page a cell links to: (column, the row's id column) -> page kind.
LINKS = {
    "ocid": ("tender", "ocid"),
    "buyer_id": ("buyer", "buyer_id"),
    "buyer_name": ("buyer", "buyer_id"),
    "work_unit_id": ("buyer", "work_unit_id"),
    "work_unit": ("buyer", "work_unit_id"),
    "supplier_id": ("supplier", "supplier_id"),
    "supplier_name": ("supplier", "supplier_id"),
}
# Cells whose page depends on another column of the row (red_flag_parties, risk_scores,
# risk_components): column -> (the kind column, its value -> page kind).
ROLE_LINKS = {
    "party_id": ("party_role", {"buyer": "buyer", "tenderer": "supplier"}),
    "subject_id": ("subject_kind", {"tender": "tender", "buyer": "buyer", "supplier": "supplier"}),
}
PAGE_DATABASES_TABLE = "tenders"
NBSP = "\u00a0"


def rupiah_full(value: float | int, lang: str = i18n.DEFAULT) -> str:
    """``Rp 1.250.000`` (rounded to the rupiah; sen are noise in public spending)."""
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{NBSP}" + i18n.localise_digits(f"{round(abs(value)):,}", lang)


def rupiah(value: float | int | None, lang: str = i18n.DEFAULT) -> str:
    """``Rp 5,46 T``, ``Rp 2,5 M``, ``Rp 125 jt`` from a million up; ``Rp 950.000`` below."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    size = abs(value)
    if size < COMPACT_FROM:
        return rupiah_full(value, lang)
    from babel.numbers import format_decimal

    for base, word in SCALES[lang]:
        if size >= base:
            scaled = value / base
            digits = 2 if abs(scaled) < 100 else 0
            shown = format_decimal(
                round(scaled, digits), format="#,##0.##", locale="id_ID" if lang == "id" else "en"
            )
            return f"Rp{NBSP}{shown}{NBSP}{word}"
    return rupiah_full(value, lang)  # pragma: no cover - the scales end at a million


CURRENCY_UNIT = "currency:"
BABEL_LOCALES = {"id": "id_ID", "en": "en"}


def money(value: float | int | None, currency: str | None, lang: str = i18n.DEFAULT) -> str:
    """An amount in its own currency: ``Rp 5,46 T``, ``€1,25 jt``; a bare number if unknown."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    code = (currency or "").strip().upper()
    if code == "IDR":
        return rupiah(value, lang)
    if not code:
        return i18n.number(round(value, 2), lang, 0 if float(value).is_integer() else 2)
    from babel.numbers import format_compact_currency

    if abs(value) < COMPACT_FROM:
        return money_full(value, code, lang)
    return format_compact_currency(
        value, code, locale=BABEL_LOCALES[lang], fraction_digits=2
    ).replace(" ", NBSP)


def money_full(value: float | int | None, currency: str | None, lang: str = i18n.DEFAULT) -> str:
    """The exact amount in its own currency (for tooltips): ``Rp 1.250.000``, ``€1.250,50``."""
    if value is None:
        return ""
    code = (currency or "").strip().upper()
    if code == "IDR":
        return rupiah_full(value, lang)
    if not code:
        return i18n.number(value, lang, 0 if float(value).is_integer() else 2)
    from babel.numbers import format_currency

    return format_currency(value, code, locale=BABEL_LOCALES[lang])


def duration(days: float | int | None, lang: str = i18n.DEFAULT) -> str:
    """``3 hari 4 jam`` / ``3 days 4 hours`` from a number of days (whole hours)."""
    if days is None or (isinstance(days, float) and not math.isfinite(days)):
        return "–"
    hours = round(abs(days) * 24)
    whole, rest = divmod(hours, 24)
    words = {"id": ("hari", "hari", "jam", "jam"), "en": ("day", "days", "hour", "hours")}[lang]
    parts = []
    if whole or not rest:
        parts.append(f"{i18n.number(whole, lang)} {words[0] if whole == 1 else words[1]}")
    if rest:
        parts.append(f"{rest} {words[2] if rest == 1 else words[3]}")
    return ("-" if days < 0 else "") + " ".join(parts)


def measure(value: float | int, unit: str, lang: str, currency: str | None = None) -> str:
    """A red flag's measure or threshold in its indicator's ``measure_unit``.

    Days read as days and hours, shares (0–1) as percentages, ratios as ``1,25×``, amounts
    in the process's currency; counts and other numbers are grouped and rounded.
    """
    if unit == "days":
        return duration(value, lang)
    if unit == "hours":
        return duration(value / 24, lang)
    if unit == "share":
        return i18n.number(round(100 * value, 1), lang) + NBSP + "%"
    if unit == "ratio":
        return i18n.number(round(value, 2), lang, 2) + "×"
    if unit == "amount":
        return money(value, currency, lang)
    return i18n.number(value, lang, 0 if float(value).is_integer() else 2)


def format_value(
    value: Any, unit: str | None, lang: str = i18n.DEFAULT, currency: str | None = None
) -> str | None:
    """The readable text for ``value`` in ``unit`` (None when there is nothing to format).

    ``currency`` is the row's currency code, used by ``currency:<column>`` units.
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if unit == "IDR":
        return rupiah(value, lang)
    if unit and unit.startswith(CURRENCY_UNIT):
        return money(value, currency, lang)
    if unit == "days":
        return duration(value, lang)
    if unit == "hours":
        return duration(value / 24, lang)
    if unit == "share":  # 0–1, read as a percentage
        return i18n.number(round(100 * value, 1), lang) + "\u00a0%"
    if unit == "decimal":  # a score or weight: two decimals at most
        return i18n.number(round(value, 2), lang, None if float(value).is_integer() else 2)
    return None


def cell(
    value: Any, unit: str | None, lang: str = i18n.DEFAULT, currency: str | None = None
) -> Markup | None:
    """``<data value="raw">Rp 5,46 T</data>``: the readable text, the raw value kept."""
    text = format_value(value, unit, lang, currency)
    if text is None:
        return None
    exact = ""
    if unit == "IDR" or (unit or "").startswith(CURRENCY_UNIT):
        code = "IDR" if unit == "IDR" else currency
        exact = f' title="{escape(money_full(value, code, lang))}"'
    return Markup(
        f'<data class="tbk-num" value="{escape(repr(value))}"{exact}>{escape(text)}</data>'
    )


def units_for(datasette: Any, database: str, table: str | None) -> dict[str, str]:
    """Declared units of ``table`` (a table, view or canned query).

    Datasette does not tell ``render_cell`` which canned query it renders (``table`` is
    None): there a column takes the unit its name has everywhere in the dataset. A name
    declared as money in several ways (``IDR``, ``currency:<column>``) is money, joined
    with ``|`` for ``resolve_money``; a name declared with other different units is left
    alone.
    """
    cfg = publication.config(datasette, database) or {}
    declared: dict[str, dict[str, str]] = cfg.get("units") or {}
    if table is not None:
        return dict(declared.get(table) or {})
    merged: dict[str, set[str]] = {}
    for columns in declared.values():
        for column, unit in columns.items():
            merged.setdefault(column, set()).add(unit)
    found = {}
    for column, units in merged.items():
        if len(units) == 1:
            found[column] = units.pop()
        elif all(u == "IDR" or u.startswith(CURRENCY_UNIT) for u in units):
            found[column] = "|".join(sorted(units))
    return found


def resolve_money(unit: str, row: Any) -> tuple[str, str | None]:
    """The unit and currency code of a cell: the row's currency column where it has one.

    A canned query's money column may be declared several ways (``IDR|currency:x``): the
    first currency column the row holds decides, else ``IDR`` if declared, else none.
    """
    candidates = unit.split("|")
    for candidate in candidates:
        if candidate.startswith(CURRENCY_UNIT):
            code = _row_value(row, candidate.removeprefix(CURRENCY_UNIT))
            if isinstance(code, str) and code:
                return candidate, code
    if "IDR" in candidates:
        return "IDR", "IDR"
    return candidates[0], None


def page_url(datasette: Any, database: str, kind: str, key: str) -> str:
    """Where the tender, buyer or supplier page of ``key`` lives."""
    return datasette.urls.path(f"/-/terbuka/{quote(database)}/{kind}/{quote(str(key), safe='')}")


def _row_value(row: Any, column: str) -> Any:
    try:
        value = row[column]
    except (IndexError, KeyError):
        return None
    if isinstance(value, dict):  # a foreign key Datasette expanded to {value, label}
        value = value.get("value")
    return value


def link(datasette: Any, database: str, row: Any, column: str, value: Any) -> Markup | None:
    """A link to the page the cell's ``ocid``, buyer or supplier has."""
    kind, id_column = LINKS[column]
    key = _row_value(row, id_column) if id_column != column else value
    if isinstance(key, dict):
        key = key.get("value")
    if key in (None, "") and column.endswith(("_name", "work_unit")):
        key = value  # no id in this row: the name is the key (pages accept either)
    if key in (None, "") or value in (None, ""):
        return None
    label = value.get("label") or value.get("value") if isinstance(value, dict) else value
    href = page_url(datasette, database, kind, key)
    return Markup(f'<a class="tbk-page-link" href="{escape(href)}">{escape(label)}</a>')


@hookimpl(trylast=True)
def render_cell(row, value, column, table, database, datasette):
    """Rupiah and durations by declared unit; ``ocid``, buyer and supplier cells as links."""
    cfg = publication.config(datasette, database)
    if cfg is None or table in ("red_flag_indicators",) or (table or "").startswith("_"):
        return None
    lang = CURRENT_LANG.get()
    unit = units_for(datasette, database, table).get(column)
    if unit:
        unit, currency = resolve_money(unit, row) if "IDR" in unit or CURRENCY_UNIT in unit else (unit, None)  # fmt: skip
        return cell(value, unit, lang, currency)
    if column in LINKS and isinstance(value, str | int | dict) and pages_enabled(cfg):
        return link(datasette, database, row, column, value)
    if column in ROLE_LINKS and isinstance(value, str) and value and pages_enabled(cfg):
        return role_link(datasette, database, row, column, value)
    return None


def role_link(datasette: Any, database: str, row: Any, column: str, value: str) -> Markup | None:
    """A party's or a risk subject's id as a link to its page, by the row's role or kind."""
    role_column, kinds = ROLE_LINKS[column]
    kind = kinds.get(_row_value(row, role_column))
    if kind is None:  # a procuring entity, or no role column: no page of its own
        return None
    href = page_url(datasette, database, kind, value)
    return Markup(f'<a class="tbk-page-link" href="{escape(href)}">{escape(value)}</a>')


def pages_enabled(cfg: dict) -> bool:
    """Procurement-like datasets (OCDS tables) have tender, buyer and supplier pages."""
    return bool(cfg.get("units", {}).get(PAGE_DATABASES_TABLE))


@hookimpl
def asgi_wrapper(datasette):
    """Remember the request's language for ``render_cell`` (Datasette does not pass it)."""

    def wrap(app):
        async def with_language(scope, receive, send):
            if scope.get("type") == "http":
                CURRENT_LANG.set(i18n.language_from_scope(scope))
            await app(scope, receive, send)

        return with_language

    return wrap
