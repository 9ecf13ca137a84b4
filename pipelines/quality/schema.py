"""The quality stage: every row is checked against its table's Frictionless Table Schema.

A row that breaks its schema (a missing key, a wrong type, a value outside its
constraints) is quarantined with the check, column, value and reason — never silently
dropped. Frictionless' own cell readers decide; a cheap type test in front of them skips
the cells that obviously pass, which is most of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..batch import Batch

PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


class TableValidator:
    """Validates rows of one table against its Table Schema."""

    def __init__(self, table: str, schema: dict[str, Any]):
        from frictionless import Schema

        self.table = table
        self.schema = Schema.from_descriptor(schema)
        self.primary_key = list(self.schema.primary_key)
        self.fields = []
        for field in self.schema.fields:
            constraints = {k: v for k, v in (field.constraints or {}).items() if k != "required"}
            required = (
                bool((field.constraints or {}).get("required")) or field.name in self.primary_key
            )
            fast = PY_TYPES.get(field.type) if not constraints else None
            if field.type == "integer" and fast:
                fast = (int,)
            self.fields.append((field.name, required, fast, field.create_cell_reader()))

    @property
    def columns(self) -> list[str]:
        """Column names in schema order."""
        return [name for name, *_ in self.fields]

    def row_key(self, row: dict[str, Any]) -> str:
        """The primary key of a row, as a readable string."""
        return "/".join(str(row.get(k)) for k in self.primary_key) if self.primary_key else ""

    def problems(self, row: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
        """``(check, column, reason, value)`` for each cell that fails; ``[]`` if valid."""
        found = []
        for name, required, fast, reader in self.fields:
            value = row.get(name)
            if value is None or value == "":
                if required:
                    found.append(("missing-value", name, f"{name} is required", None))
                continue
            if fast and isinstance(value, fast) and (bool in fast or not isinstance(value, bool)):
                continue
            _, notes = reader(value)
            if notes:
                check = "type-error" if "type" in notes else "constraint-error"
                found.append((check, name, "; ".join(notes.values()), value))
        return found


def validators_for(
    schemas: dict[str, dict], columns: Callable[[str, list[str]], list[str]] | None = None
) -> dict[str, TableValidator]:
    """One validator per table schema; ``columns`` keeps only published columns."""
    validators = {}
    for table, schema in schemas.items():
        if columns is not None:
            keep = set(columns(table, [f["name"] for f in schema["fields"]]))
            schema = {**schema, "fields": [f for f in schema["fields"] if f["name"] in keep]}
        validators[table] = TableValidator(table, schema)
    return validators


def count_entering(batch: Batch) -> Batch:
    """Count every row as it enters privacy and quality, for the run's reconciliation.

    Rows waiting in ``batch.tables`` and rows already set aside upstream (in
    ``batch.quarantine``) are counted per table; at the end of the run each table must
    account for them as published, quarantined or duplicates.
    """
    for table, rows in batch.tables.items():
        batch.counts[f"entered:{table}"] += len(rows)
    for entry in batch.quarantine:
        batch.counts[f"entered:{entry['table']}"] += 1
    return batch


def check_batch(batch: Batch, validators: dict[str, TableValidator]) -> Batch:
    """Move rows that fail their schema from ``batch.tables`` to ``batch.quarantine``."""
    for table, rows in batch.tables.items():
        validator = validators.get(table)
        if validator is None:
            continue
        kept = []
        for row in rows:
            problems = validator.problems(row)
            if not problems:
                kept.append(row)
                continue
            check, column, reason, value = problems[0]
            if len(problems) > 1:
                reason += (
                    f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
                )
            batch.reject(
                table, validator.row_key(row), check, reason, row=row, column=column, value=value
            )
        batch.tables[table] = kept
    return batch
