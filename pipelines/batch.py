"""The unit of work that flows through the stages: rows per table, plus what was set aside.

Stages are plain functions ``Batch -> Batch``. A batch is small (hundreds of source
records), picklable, and self-contained, so a pool of worker processes — or, past one
machine, Dask/Ray/Spark partitions — can run the same stage functions in parallel.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Batch:
    """Rows per output table, quarantined rows, quality notes and counters."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    privacy: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Append a row to ``table``."""
        self.tables.setdefault(table, []).append(row)

    def note(
        self,
        table: str,
        key: str,
        check: str,
        message: str,
        column: str = "",
        value: Any = None,
        severity: str = "warning",
    ) -> None:
        """Record a quality note: something was off, the row is still published."""
        self.notes.append(
            {
                "table": table,
                "row_key": key,
                "check_id": check,
                "column": column,
                "value": None if value is None else str(value)[:200],
                "message": message,
                "severity": severity,
            }
        )

    def reject(
        self,
        table: str,
        key: str,
        check: str,
        reason: str,
        row: dict[str, Any] | None = None,
        column: str = "",
        value: Any = None,
        source: str = "",
        position: int | None = None,
    ) -> None:
        """Quarantine a row: it is not published, but it is kept with the reason."""
        self.quarantine.append(
            {
                "table": table,
                "row_key": key,
                "check_id": check,
                "column": column,
                "value": None if value is None else str(value)[:200],
                "reason": reason,
                "row": row or {},
                "source": source,
                "position": position,
            }
        )
        self.counts[f"quarantined:{table}"] += 1
