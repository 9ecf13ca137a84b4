"""Server-side SVG charts: horizontal bars and lines, with no JavaScript at all.

Why SVG drawn here rather than a charting library in the browser: a chart then costs the
reader a few kilobytes of markup instead of a few hundred of script (vega + vega-lite
are ~800 kB minified), needs nothing from a CDN, renders on any phone, and carries its own
accessible title, description and per-point tooltips. The drawing is deliberately plain:
bars for categories, lines for months, a legend when there are series.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from markupsafe import escape

from .i18n import number

WIDTH = 360
PALETTE = [
    "#1f5fa8", "#b3460f", "#2d7a32", "#7a3593", "#8a6d00", "#b0275a", "#00707a", "#4a4a4a",
]  # fmt: skip
TEXT = "#1a1a1a"
MUTED = "#595959"


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value``: round gridlines."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _id(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", text)


def _series(
    rows: Sequence[dict], x: str, y: str, series: str | None
) -> tuple[list[str], list[str], dict, float]:
    """Categories in first-seen order, series names, ``{(series, x): y}``, scale's top.

    The top of the scale is a round number at or above the largest value.
    """
    categories: list[str] = []
    names: list[str] = []
    values: dict[tuple[str, str], float | None] = {}
    for row in rows:
        category = "" if row.get(x) is None else str(row.get(x))
        name = "" if not series or row.get(series) is None else str(row.get(series))
        if category not in categories:
            categories.append(category)
        if name not in names:
            names.append(name)
        value = row.get(y)
        values[name, category] = float(value) if isinstance(value, int | float) else None
    top = max([v for v in values.values() if v is not None] or [0])
    return categories, names, values, nice_max(top)


def _frame(uid: str, height: int, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" class="tbk-svg" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(names: list[str], top: int) -> tuple[list[str], int]:
    if len(names) <= 1:
        return [], top
    parts = []
    for index, name in enumerate(names):
        y = top + 16 * index
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="8" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="24" y="{y + 9}" fill="{TEXT}">{escape(name or "–")}</text>'
        )
    return parts, top + 16 * len(names) + 4


def bar_chart(
    rows: Sequence[dict], x: str, y: str, *, series: str | None = None, title: str = "",
    unit: str = "", lang: str = "id", uid: str = "chart",
) -> str:  # fmt: skip
    """Horizontal bars, one group per category: labels never collide, even at 360 px."""
    categories, names, values, scale_max = _series(rows, x, y, series)
    bar_height, label_height, gap = 12, 15, 8
    plot_width = WIDTH - 16 - 78  # room on the right for the value
    body, cursor = [], 4
    for category in categories:
        body.append(f'<text x="8" y="{cursor + 11}" fill="{TEXT}">{escape(category or "–")}</text>')
        cursor += label_height
        for index, name in enumerate(names):
            value = values.get((name, category))
            length = 0 if value is None or value <= 0 else plot_width * value / scale_max
            colour = PALETTE[index % len(PALETTE)]
            label = _label(category, name, value, unit, lang)
            body.append(
                f'<rect x="8" y="{cursor}" width="{length:.1f}" height="{bar_height}" '
                f'fill="{colour}"><title>{escape(label)}</title></rect>'
                f'<text x="{8 + length + 4:.1f}" y="{cursor + 10}" fill="{MUTED}">'
                f"{escape(number(value, lang))}</text>"
            )
            cursor += bar_height + 2
        cursor += gap
    legend, cursor = _legend(names, cursor)
    if unit:
        body.append(
            f'<text x="{WIDTH - 8}" y="{cursor + 10}" text-anchor="end" fill="{MUTED}">{escape(unit)}</text>'
        )
        cursor += 14
    description = _describe(categories, names, values, unit, lang)
    return _frame(_id(uid), cursor + 4, title, description, body + legend)


def _label(category: str, name: str, value: float | None, unit: str, lang: str) -> str:
    """A bar's or a point's tooltip: category, series and value with its unit."""
    return f"{category}{' · ' + name if name else ''}: {number(value, lang)} {unit}".strip()


def _line_axes(
    categories: list[str],
    scale_max: float,
    box: tuple[int, int, int, int],
    step: float,
    lang: str,
) -> list[str]:
    """A line chart's grid lines with their values and every few categories' labels."""
    left, right, plot_top, plot_height = box
    body = []
    for tick in range(5):
        value = scale_max * tick / 4
        y_pos = plot_top + plot_height - plot_height * tick / 4
        body.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y_pos:.1f}" y2="{y_pos:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y_pos + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(number(value, lang))}</text>"
        )
    every = max(1, math.ceil(len(categories) / 5))
    for index, category in enumerate(categories):
        if index % every == 0:
            body.append(
                f'<text x="{left + step * index:.1f}" y="{plot_top + plot_height + 16}" '
                f'text-anchor="middle" fill="{MUTED}">{escape(category)}</text>'
            )
    return body


def line_chart(
    rows: Sequence[dict], x: str, y: str, *, series: str | None = None, title: str = "",
    unit: str = "", lang: str = "id", uid: str = "chart",
) -> str:  # fmt: skip
    """One line per series over the categories in their given order (months, years)."""
    categories, names, values, scale_max = _series(rows, x, y, series)
    left, right, plot_top, plot_height = 48, 12, 10, 150
    plot_width = WIDTH - left - right
    step = plot_width / max(1, len(categories) - 1)
    body = _line_axes(categories, scale_max, (left, right, plot_top, plot_height), step, lang)
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        points = []
        for position, category in enumerate(categories):
            value = values.get((name, category))
            if value is None:
                continue
            points.append(
                (
                    left + step * position,
                    plot_top + plot_height - plot_height * value / scale_max,
                    category,
                    value,
                )
            )
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py, category, value in points:
            label = _label(category, name, value, unit, lang)
            body.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(label)}</title></circle>"
            )
    cursor = plot_top + plot_height + 26
    if unit:
        body.append(f'<text x="{left}" y="{cursor}" fill="{MUTED}">{escape(unit)}</text>')
        cursor += 8
    legend, cursor = _legend(names, cursor + 4)
    description = _describe(categories, names, values, unit, lang)
    return _frame(_id(uid), cursor + 4, title, description, body + legend)


def _describe(categories: list[str], names: list[str], values: dict, unit: str, lang: str) -> str:
    """One sentence a screen reader can read instead of the picture."""
    known = [(v, name, cat) for (name, cat), v in values.items() if v is not None]
    if not known:
        return {"id": "Tidak ada data.", "en": "No data."}[lang]
    value, name, category = max(known)
    where = f"{category}{' (' + name + ')' if name else ''}"
    if lang == "id":
        return f"{len(categories)} kategori, {max(1, len(names))} seri. Tertinggi: {where}, {number(value, lang)} {unit}."
    return f"{len(categories)} categories, {max(1, len(names))} series. Highest: {where}, {number(value, lang)} {unit}."


def render(kind: str, rows: Sequence[dict], spec: dict[str, Any], **options: Any) -> str:
    """Draw a chart of ``kind`` (``bar`` or ``line``) from query rows."""
    draw = line_chart if kind == "line" else bar_chart
    return draw(rows, spec["x"], spec["y"], series=spec.get("series"), **options)
