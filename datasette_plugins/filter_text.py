"""Datasette's "… rows where …" line in Bahasa Indonesia.

Datasette writes the description of a filtered table only in English
(``human_description_en``: ``where region = "X" sorted by year descending``). This module
writes the same line from the same request arguments in Indonesian, one template per
filter operation; an operation a plugin adds keeps Datasette's English clause.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from datasette.filters import Filters

Clause = Callable[[str, str], str]


def _quoted(op: str) -> Clause:
    """``{c} op {v}`` for digits, ``{c} op "{v}"`` otherwise (as Datasette's exact/not do)."""
    return lambda c, v: f"{c} {op} {v}" if v.isdigit() else f'{c} {op} "{v}"'


def _listed(words: str) -> Clause:
    def clause(c: str, v: str) -> str:
        values = json.loads(v) if v.startswith("[") else [x.strip() for x in v.split(",")]
        return f"{c} {words} {json.dumps(values, ensure_ascii=False)}"

    return clause


def _templated(template: str) -> Clause:
    """A clause from a template with ``{c}`` (the column) and ``{v}`` (the value)."""
    return lambda c, v: template.format(c=c, v=v)


# One template per operation, as Datasette's own ``TemplatedFilter.human_template``.
TEMPLATES_ID = {
    "contains": '{c} memuat "{v}"',
    "endswith": '{c} berakhir dengan "{v}"',
    "startswith": '{c} berawal dengan "{v}"',
    "gt": "{c} > {v}",
    "gte": "{c} \u2265 {v}",
    "lt": "{c} < {v}",
    "lte": "{c} \u2264 {v}",
    "like": '{c} like "{v}"',
    "notlike": '{c} not like "{v}"',
    "glob": '{c} glob "{v}"',
    "arraycontains": '{c} memuat "{v}"',
    "arraynotcontains": '{c} tidak memuat "{v}"',
    "date": '"{c}" pada tanggal {v}',
    "isnull": "{c} bernilai null",
    "notnull": "{c} tidak null",
    "isblank": "{c} kosong",
    "notblank": "{c} tidak kosong",
}

CLAUSES_ID: dict[str, Clause] = {
    "exact": _quoted("="),
    "not": _quoted("!="),
    "in": _listed("salah satu dari"),
    "notin": _listed("bukan salah satu dari"),
    **{op: _templated(template) for op, template in TEMPLATES_ID.items()},
}


def describe(english: str, lang: str, request: Any, sort: Any, sort_desc: Any, search: bool) -> str:
    """The table's filter line in ``lang``: Datasette's own English, or Indonesian."""
    if lang != "id" or not english or request is None:
        return english
    return human_description_id(request.args, sort, sort_desc, search)


def human_description_id(
    args: Any, sort: str | None, sort_desc: str | None, search: bool = True
) -> str:
    """``dengan region = "X" dan tahun > 2020, diurutkan menurut nilai (menurun)``.

    ``args`` are the request's query arguments (Datasette's ``MultiParams``); search (when
    the table supports it) and filters are described as Datasette describes them.
    """
    bits = _search_bits(args) if search else []
    pairs = [
        (key, value)
        for key in args
        if not (key.startswith("_") and "__" not in key)
        for value in args.getlist(key)
    ]
    filters = Filters(sorted(pairs))
    for column, lookup, value in filters.selections():
        found = filters._filters_by_key.get(lookup)
        if lookup in CLAUSES_ID:
            bits.append(CLAUSES_ID[lookup](column, value))
        elif found is not None:
            bits.append(found.human_clause(column, value))
    text = "dengan " + _join(bits) if bits else ""
    if sort or sort_desc:
        order = f"diurutkan menurut {sort or sort_desc}" + (" (menurun)" if sort_desc else "")
        text = f"{text}, {order}" if text else order
    return text


def _search_bits(args: Any) -> list[str]:
    """Full-text search as Datasette describes it (``_search`` or ``_search_<column>``)."""
    if args.get("_search"):
        return [f'pencarian cocok dengan "{args.get("_search")}"']
    return [
        f'pencarian kolom "{key.split("_search_", 1)[1]}" cocok dengan "{args.get(key)}"'
        for key in args
        if key.startswith("_search_") and args.get(key)
    ]


def _join(bits: list[str]) -> str:
    """``a, b dan c``."""
    return bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " dan " + bits[-1]
