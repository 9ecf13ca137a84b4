"""Cardinal-compatible results: the JSON shape of ``ocdscardinal indicators --no-meta``.

Cardinal writes ``{"OCID": {ocid: {"R024": 1.0}}, "Buyer": {...}, "ProcuringEntity": {...},
"Tenderer": {...}}``; a group without results is left out. terbuka publishes the same
results as the ``cardinal_results`` table (one row per group, identifier and code), and
``cardinal_json`` rebuilds the JSON object from that table, so a tool written for
Cardinal's output can read a terbuka publication.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .base import Flag, PartyFlag

GROUPS = {"buyer": "Buyer", "procuring_entity": "ProcuringEntity", "tenderer": "Tenderer"}
ORDER = ["OCID", "Buyer", "ProcuringEntity", "Tenderer"]


def result_row(flag_id: str, flag: Flag | PartyFlag) -> dict[str, Any]:
    """One ``cardinal_results`` row for a flag of a Cardinal indicator."""
    if isinstance(flag, Flag):
        return {"cardinal_group": "OCID", "identifier": flag.ocid, "indicator": flag_id,
                "value": flag.value}  # fmt: skip
    return {"cardinal_group": GROUPS[flag.role], "identifier": flag.party_id,
            "indicator": flag_id, "value": flag.value}  # fmt: skip


def as_json(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Cardinal's JSON object from ``cardinal_results`` rows."""
    found: dict[str, dict[str, dict[str, float]]] = {}
    for row in rows:
        group = found.setdefault(row["cardinal_group"], {})
        group.setdefault(row["identifier"], {})[row["indicator"]] = float(row["value"])
    return {g: found[g] for g in ORDER if g in found}


def cardinal_json(db: Any, meta: bool = False) -> dict[str, dict[str, Any]]:
    """The published ``cardinal_results`` table as Cardinal's JSON object.

    ``meta=True`` adds Cardinal's ``Meta`` block (quartiles and fences per indicator) from
    ``red_flag_indicators.meta``, as ``ocdscardinal indicators`` without ``--no-meta``.
    """
    cursor = db.execute(
        "select cardinal_group, identifier, indicator, value from cardinal_results"
        " order by cardinal_group, identifier, indicator"
    )
    names = [c[0] for c in cursor.description]
    found: dict[str, dict[str, Any]] = dict(as_json(dict(zip(names, row, strict=True)) for row in cursor))  # fmt: skip
    if meta:
        found["Meta"] = {
            flag_id: json.loads(text)
            for flag_id, text in db.execute(
                "select flag_id, meta from red_flag_indicators"
                " where origin = 'cardinal' and meta is not null order by flag_id"
            )
        }
    return found
