"""The privacy report of a run: counts per table, column, entity and operator — never a value.

It goes three places: the run record (``privacy``, ``privacy_detail``, ``disclosure``),
the published ``_privacy`` table, and ``privacy.json`` beside the Data Package, so anyone
can see what was removed and how without seeing what it was. k-anonymity's work is
counted under the entity ``QUASI_IDENTIFIER`` (``generalise`` per column, ``suppress`` for
rows); the k reached and the steps taken are in ``disclosure``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

REPORT_FILE = "privacy.json"


def detail(report: Counter) -> list[dict[str, Any]]:
    """``[{table, column, entity, operator, count}]``, sorted."""
    return [
        {"table": t, "column": c, "entity": e, "operator": o, "count": n}
        for (t, c, e, o), n in sorted(report.items())
    ]


def table_rows(run_id: str, report: Counter) -> list[dict[str, Any]]:
    """Rows for the published ``_privacy`` system table."""
    return [
        {
            "run_id": run_id,
            "table_name": t,
            "column_name": c,
            "entity": e,
            "operator": o,
            "count": n,
        }
        for (t, c, e, o), n in sorted(report.items())
    ]


def write_report(folder: Path, record: dict[str, Any]) -> Path:
    """``privacy.json`` beside the data package, from what the run record says."""
    report = {
        "dataset": record.get("dataset"),
        "run_id": record.get("run_id"),
        "hash_key": record.get("hash_key"),
        "removed": record.get("privacy", {}),
        "columns": record.get("privacy_detail", []),
        "disclosure": record.get("disclosure", []),
        "column_plans": record.get("privacy_columns", {}),
        "retention": record.get("retention", {}),
        "note": "Counts only: no personal value is recorded here.",
    }
    path = folder / REPORT_FILE
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
